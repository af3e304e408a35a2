package dev.weft.id.archfixture;

/** Architecture-test fixtures (see e2e's ArchitectureRulesTest): never used by product code. */
public final class IdFixtures {
    private IdFixtures() {}

    public static int thing() {
        return 1;
    }
}

/** Violates "id depends on no other module". */
final class IdUsesIpam {
    int use() {
        return dev.weft.ipam.archfixture.IpamFixtures.thing();
    }
}
