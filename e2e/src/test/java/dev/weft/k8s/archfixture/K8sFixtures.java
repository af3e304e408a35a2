package dev.weft.k8s.archfixture;

/** Architecture-test fixture (see e2e's ArchitectureRulesTest). Violates "k8s may use only ipam and id". */
public final class K8sFixtures {
    private K8sFixtures() {}

    static int usesGossip() {
        return dev.weft.gossip.archfixture.GossipFixtures.thing();
    }
}
