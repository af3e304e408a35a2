package dev.weft.e2e.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every rule of {@link ArchitectureRules} really fails: each is run against small fixture classes (compiled with this
 * JDK, so this also proves ArchUnit reads its class files) that break it, and passes on fixtures that do not. The
 * fixtures live in {@code dev.weft.<module>.archfixture} packages of e2e's test code, which the real check excludes.
 */
class ArchitectureRulesTest {
    static JavaClasses fixtures;

    @BeforeAll
    static void importFixtures() {
        fixtures = new ClassFileImporter()
                .importPackages(
                        "dev.weft.id.archfixture",
                        "dev.weft.ipam.archfixture",
                        "dev.weft.ipam.store.archfixture",
                        "dev.weft.gossip.archfixture",
                        "dev.weft.gossip.swim.archfixture",
                        "dev.weft.datapath.archfixture",
                        "dev.weft.cni.archfixture",
                        "dev.weft.k8s.archfixture",
                        "dev.weft.agent.archfixture",
                        "dev.weft.mystery.archfixture",
                        "io.atomix.archfixture");
    }

    static JavaClasses only(String... simpleNames) {
        Set<String> names = Set.of(simpleNames);
        JavaClasses c = fixtures.that(
                DescribedPredicate.describe("named " + names, (JavaClass x) -> names.contains(x.getSimpleName())));
        assertThat(c.size()).as("fixtures %s imported", names).isEqualTo(names.size());
        return c;
    }

    static void violates(ArchRule rule, String fixture, String dependency) {
        assertThatThrownBy(() -> rule.check(only(fixture)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(rule.getDescription())
                .hasMessageContaining(fixture)
                .hasMessageContaining(dependency);
    }

    static void allows(ArchRule rule, String... fixtures) {
        rule.check(only(fixtures));
    }

    @Test
    void idUsesNoOtherModule() {
        violates(ArchitectureRules.mainCodeOf("id"), "IdUsesIpam", "dev.weft.ipam.archfixture.IpamFixtures");
        allows(ArchitectureRules.mainCodeOf("id"), "IdFixtures");
    }

    @Test
    void ipamUsesOnlyId() {
        violates(ArchitectureRules.mainCodeOf("ipam"), "IpamUsesGossip", "dev.weft.gossip.archfixture.GossipFixtures");
        allows(ArchitectureRules.mainCodeOf("ipam"), "IpamUsesId", "IpamFixtures", "IpamReadsFile");
    }

    @Test
    void gossipUsesOnlyId() {
        violates(ArchitectureRules.mainCodeOf("gossip"), "GossipUsesIpam", "dev.weft.ipam.archfixture.IpamFixtures");
        allows(ArchitectureRules.mainCodeOf("gossip"), "GossipFixtures");
    }

    @Test
    void datapathUsesOnlyIpamAndId() {
        violates(
                ArchitectureRules.mainCodeOf("datapath"),
                "DatapathUsesAgent",
                "dev.weft.agent.archfixture.AgentFixtures");
        allows(ArchitectureRules.mainCodeOf("datapath"), "DatapathFixtures");
    }

    @Test
    void cniShimUsesNothingInternal() {
        violates(ArchitectureRules.mainCodeOf("cni-shim"), "CniFixtures", "dev.weft.ipam.archfixture.IpamFixtures");
    }

    @Test
    void k8sUsesOnlyIpamAndId() {
        violates(ArchitectureRules.mainCodeOf("k8s"), "K8sFixtures", "dev.weft.gossip.archfixture.GossipFixtures");
    }

    @Test
    void agentMayUseEveryProductModule() {
        allows(ArchitectureRules.mainCodeOf("agent"), "AgentFixtures");
    }

    @Test
    void nothingOutsideE2eUsesIt() {
        violates(ArchitectureRules.nothingOutsideE2eUsesIt(), "AgentUsesE2e", "dev.weft.e2e.lab.Lab");
        allows(ArchitectureRules.nothingOutsideE2eUsesIt(), "AgentFixtures");
    }

    @Test
    void everyWeftClassBelongsToAModule() {
        assertThatThrownBy(
                        () -> ArchitectureRules.everyWeftClassBelongsToAModule().check(only("Stray")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("dev.weft.mystery.archfixture.Stray");
        allows(ArchitectureRules.everyWeftClassBelongsToAModule(), "IpamFixtures", "AgentFixtures");
    }

    @Test
    void noAtomix() {
        violates(ArchitectureRules.noAtomix(), "AgentUsesAtomix", "io.atomix.archfixture.Atomix");
        allows(ArchitectureRules.noAtomix(), "AgentFixtures");
    }

    @Test
    void ipamDoesNoIoOutsideItsStore() {
        violates(ArchitectureRules.ipamDoesNoIoOutsideItsStore(), "IpamReadsFile", "java.nio.file.Files");
        violates(ArchitectureRules.ipamDoesNoIoOutsideItsStore(), "IpamOpensSocket", "java.net.DatagramSocket");
        allows(ArchitectureRules.ipamDoesNoIoOutsideItsStore(), "IpamUsesId", "StoreFixtures");
    }

    @Test
    void swimEngineTouchesNoNettyOrIo() {
        violates(ArchitectureRules.swimEngineTouchesNoNettyOrIo(), "SwimUsesNetty", "io.netty.buffer.Unpooled");
        violates(
                ArchitectureRules.swimEngineTouchesNoNettyOrIo(),
                "SwimOpensChannel",
                "java.nio.channels.DatagramChannel");
        violates(ArchitectureRules.swimEngineTouchesNoNettyOrIo(), "SwimReadsFile", "java.io.File");
        allows(ArchitectureRules.swimEngineTouchesNoNettyOrIo(), "SwimFixtures");
    }

    @Test
    void aRuleThatSeesNoClassFails() {
        assertThatThrownBy(() -> ArchitectureRules.mainCodeOf("ipam").check(only("AgentFixtures")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("failed to check any classes");
    }
}
