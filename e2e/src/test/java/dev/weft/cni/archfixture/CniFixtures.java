package dev.weft.cni.archfixture;

/** Architecture-test fixture (see e2e's ArchitectureRulesTest). Violates "cni-shim depends on nothing internal". */
public final class CniFixtures {
    private CniFixtures() {}

    static int usesIpam() {
        return dev.weft.ipam.archfixture.IpamFixtures.thing();
    }
}
