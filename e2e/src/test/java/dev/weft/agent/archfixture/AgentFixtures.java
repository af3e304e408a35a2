package dev.weft.agent.archfixture;

/** Architecture-test fixtures (see e2e's ArchitectureRulesTest): never used by product code. */
public final class AgentFixtures {
    private AgentFixtures() {}

    public static int thing() {
        return 4;
    }

    /** Allowed: the agent wires every module. */
    static int usesAll() {
        return dev.weft.ipam.archfixture.IpamFixtures.thing()
                + dev.weft.gossip.archfixture.GossipFixtures.thing()
                + dev.weft.datapath.archfixture.DatapathFixtures.class.getModifiers();
    }
}

/** Violates "nothing outside e2e uses it". */
final class AgentUsesE2e {
    Object use() {
        return dev.weft.e2e.lab.Lab.builder();
    }
}

/** Violates "nothing uses Atomix". */
final class AgentUsesAtomix {
    Object use() {
        return new io.atomix.archfixture.Atomix();
    }
}
