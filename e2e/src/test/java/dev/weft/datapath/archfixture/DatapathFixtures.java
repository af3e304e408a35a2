package dev.weft.datapath.archfixture;

/** Architecture-test fixtures (see e2e's ArchitectureRulesTest): never used by product code. */
public final class DatapathFixtures {
    private DatapathFixtures() {}

    /** Allowed: datapath may use ipam and id. */
    static int usesIpamAndId() {
        return dev.weft.ipam.archfixture.IpamFixtures.thing() + dev.weft.id.archfixture.IdFixtures.thing();
    }
}

/** Violates the module directions: datapath must not use the agent. */
final class DatapathUsesAgent {
    int use() {
        return dev.weft.agent.archfixture.AgentFixtures.thing();
    }
}
