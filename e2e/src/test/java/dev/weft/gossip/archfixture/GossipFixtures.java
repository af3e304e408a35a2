package dev.weft.gossip.archfixture;

/** Architecture-test fixtures (see e2e's ArchitectureRulesTest): never used by product code. */
public final class GossipFixtures {
    private GossipFixtures() {}

    public static int thing() {
        return 3;
    }
}

/** Violates the module directions: gossip must not use ipam. */
final class GossipUsesIpam {
    int use() {
        return dev.weft.ipam.archfixture.IpamFixtures.thing();
    }
}
