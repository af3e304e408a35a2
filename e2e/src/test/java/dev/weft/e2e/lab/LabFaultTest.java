package dev.weft.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each fault has the intended effect on real traffic, and undoing it restores the link. */
@Tag("kernel")
class LabFaultTest {
    private static Lab lab;
    private LabNode n1;
    private LabNode n2;
    private LabNode n3;

    @BeforeAll
    static void up() {
        lab = Lab.builder().nodes(3).start();
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void nodes() {
        n1 = lab.node(1);
        n2 = lab.node(2);
        n3 = lab.node(3);
    }

    @AfterEach
    void clear() {
        lab.nodes().forEach(LabNode::clearFaults);
        lab.nodes().forEach(LabNode::plug);
    }

    @Test
    void partitionCutsOnlyTheGivenPeersBothWaysUntilRemoved() {
        assertThat(n1.canReach(n2.address())).isTrue();
        Fault f = n1.partitionFrom(n2);
        assertThat(n1.activeFaults()).containsExactly(f.table());
        assertThat(n1.canReach(n2.address())).isFalse();
        assertThat(n2.canReach(n1.address())).isFalse();
        assertThat(n1.canReach(n3.address())).isTrue();
        assertThat(n3.canReach(n2.address())).isTrue();
        f.remove();
        assertThat(n1.activeFaults()).isEmpty();
        assertThat(n1.ping(n2.address(), 3).received()).isEqualTo(3);
    }

    @Test
    void isolateCutsTheNodeFromEveryone() {
        n3.isolate();
        assertThat(n3.canReach(n1.address())).isFalse();
        assertThat(n1.canReach(n3.address())).isFalse();
        assertThat(n1.canReach(n2.address())).isTrue();
        n3.clearFaults();
        assertThat(n3.canReach(n1.address())).isTrue();
    }

    @Test
    void randomLossDropsSomeButNotAllPackets() {
        assertThat(n1.ping(n2.address(), 40).received()).isEqualTo(40);
        Fault f = n1.loss(50);
        // Each request leaves n1 with probability 1/2: received ~ Binomial(40, 0.5). Outside [4, 36]
        // has probability < 1e-7, while a rule that drops nothing or everything lands at 40 or 0.
        LabNamespace.PingResult r = n1.ping(n2.address(), 40);
        assertThat(r.transmitted()).isEqualTo(40);
        assertThat(r.received()).isBetween(4, 36);
        f.remove();
        assertThat(n1.ping(n2.address(), 40).received()).isEqualTo(40);
    }

    @Test
    void lossAppliesToTheChosenDirectionOnly() {
        n1.loss(100, Fault.Direction.IN);
        // n1 still sends (n2 learns its address), but nothing comes back to n1.
        assertThat(n1.ping(n2.address(), 3).received()).isZero();
        assertThat(n2.exec("ip", "neigh", "show", n1.address()).orThrow().stdout())
                .contains("lladdr");
        assertThat(n2.canReach(n3.address())).isTrue();
    }

    @Test
    void blockedUdpPortDropsThatPortOnly() {
        LabProcess probe = n2.start("udp-probe", UdpProbe.command(5555, 5556));
        try {
            probe.awaitLine("listening", Duration.ofSeconds(10));
            UdpProbe.send(n1, n2.address(), 5555, "before");
            probe.awaitLine("5555 before", Duration.ofSeconds(5));

            Fault f = n1.blockUdpPort(5555);
            UdpProbe.send(n1, n2.address(), 5555, "blocked");
            UdpProbe.send(n1, n2.address(), 5556, "other");
            probe.awaitLine("5556 other", Duration.ofSeconds(5));
            assertThat(n1.canReach(n2.address())).as("ICMP unaffected").isTrue();
            // Sent before "other" on the same path: had it passed, it would be in the log already.
            assertThat(probe.log()).doesNotContain("5555 blocked");

            f.remove();
            UdpProbe.send(n1, n2.address(), 5555, "after");
            probe.awaitLine("5555 after", Duration.ofSeconds(5));
            assertThat(probe.log()).doesNotContain("5555 blocked");
        } finally {
            probe.stop();
        }
    }

    @Test
    void unpluggedNodeLosesCarrierAndReachabilityUntilPluggedIn() {
        assertThat(n2.hasCarrier()).isTrue();
        n2.unplug();
        assertThat(n2.hasCarrier()).isFalse();
        assertThat(n2.exec("ip", "-o", "link", "show", "eth0").orThrow().stdout())
                .contains("NO-CARRIER");
        assertThat(n1.canReach(n2.address())).isFalse();
        n2.plug();
        assertThat(n2.hasCarrier()).isTrue();
        assertThat(n1.ping(n2.address(), 3).received()).isEqualTo(3);
    }

    @Test
    void clearingOneNodeLeavesOtherNodesFaults() {
        n1.loss(10);
        Fault other = n2.blockUdpPort(4789);
        n1.clearFaults();
        assertThat(n1.activeFaults()).isEmpty();
        assertThat(n2.activeFaults()).containsExactly(other.table());
    }

    @Test
    void badFaultArgumentsAreRejected() {
        assertThatThrownBy(() -> n1.loss(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..100");
        assertThatThrownBy(() -> n1.blockUdpPort(70000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> n1.partitionFrom(java.util.List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(n1.activeFaults()).isEmpty();
    }
}
