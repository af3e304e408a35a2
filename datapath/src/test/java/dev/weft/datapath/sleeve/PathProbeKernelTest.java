package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.testing.TestNetns;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Probes over a real kernel VXLAN path drive PathHealth: blocking UDP 4789 with nftables moves the
 * peer to the sleeve within a bounded time, unblocking moves it back. Routes to the peer point at a
 * running sleeve TUN meanwhile, proving the probes are pinned to the VXLAN device.
 */
@Tag("kernel")
class PathProbeKernelTest {
    SleeveLab lab;

    /** The lab the tests run in: an IPv4 underlay here ({@link PathProbeIpv6UnderlayKernelTest}: IPv6 only). */
    SleeveLab newLab() {
        return new SleeveLab();
    }

    @BeforeEach
    void setUp() {
        lab = newLab();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    @Test
    void blockingTheVxlanPortFallsBackToSleeveAndUnblockingUpgrades() {
        lab.kernelVxlan(1, 2);
        lab.kernelVxlan(2, 1);
        // node 1's routes to node 2 go to the sleeve: probes must still use the kernel VXLAN device
        TestNetns.run("ip", "-n", lab.ns[1], "route", "del", "198.18.2.0/24");
        // the kernel VXLAN device owns 4789 here, so this plain sleeve uses another port
        SleeveBackend a = lab.sleeve(
                SleeveConfig.plain(SleeveLab.peerId(1), SleeveLab.vtep(1), SleeveLab.mac(1), SleeveLab.VNI)
                        .withPorts(6774, 6771)
                        .withUnderlayIpv6(lab.ipv6Underlay),
                1);
        lab.connect(a, 1, lab.peer(2, null));

        ConcurrentLinkedQueue<Long> answers = new ConcurrentLinkedQueue<>();
        // probes tagged per pair of nodes, as the agent sends them with a cluster secret
        java.util.List<byte[]> psks = VxlanProbeAuthTest.psks("lab-secret");
        ProbeAuth authA = ProbeAuth.of(SleeveLab.peerId(1), VxlanProbeAuthTest.priv(1), psks)
                .withPeers(java.util.Map.of(SleeveLab.peerId(2), VxlanProbeAuthTest.pub(2)));
        ProbeAuth authB = ProbeAuth.of(SleeveLab.peerId(2), VxlanProbeAuthTest.priv(2), psks)
                .withPeers(java.util.Map.of(SleeveLab.peerId(1), VxlanProbeAuthTest.pub(1)));
        VxlanProbe pa = lab.nl[1].call(() -> VxlanProbe.start(
                SleeveLab.peerId(1),
                SleeveLab.vtep(1),
                "weft.vxlan",
                VxlanProbe.DEFAULT_PORT,
                lab.group,
                (peer, seq) -> {
                    if (peer == SleeveLab.peerId(2)) answers.add(seq);
                },
                authA));
        VxlanProbe pb = lab.nl[2].call(() -> VxlanProbe.start(
                SleeveLab.peerId(2),
                SleeveLab.vtep(2),
                "weft.vxlan",
                VxlanProbe.DEFAULT_PORT,
                lab.group,
                (peer, seq) -> {},
                authB));
        try {
            PathHealth health =
                    new PathHealth(new PathHealth.Settings(3, 3, Duration.ofMillis(300), true), (p, f, t, r) -> {});
            long peer = SleeveLab.peerId(2);
            health.addPeer(peer);
            long[] seq = {0};
            Runnable round = () -> {
                long now = System.nanoTime();
                pa.send(SleeveLab.peerId(2), SleeveLab.vtep(2), seq[0]);
                health.onProbeSent(peer, seq[0]++, now);
                long until = now + 100_000_000L;
                while (System.nanoTime() < until) {
                    Long s;
                    while ((s = answers.poll()) != null) health.onProbeAck(peer, s, System.nanoTime());
                    Thread.onSpinWait();
                }
                health.onTick(System.nanoTime());
            };
            for (int i = 0; i < 5; i++) round.run();
            assertThat(health.mode(peer)).isEqualTo(PathHealth.Mode.KERNEL);
            assertThat(pa.answered()).isGreaterThanOrEqualTo(4);
            for (ProbeAuth.Drop d : ProbeAuth.Drop.values()) {
                assertThat(pa.dropped(d) + pb.dropped(d)).as("dropped " + d).isZero();
            }
            assertThat(a.counters().get(SleeveCounter.TX_PACKETS))
                    .as("probes did not go into the sleeve")
                    .isZero();

            TestNetns.run(
                    "ip",
                    "netns",
                    "exec",
                    lab.ns[2],
                    "nft",
                    "add table inet wfttest; add chain inet wfttest in "
                            + "{ type filter hook input priority 0; }; add rule inet wfttest in udp dport 4789 drop");
            long blockedAt = System.nanoTime();
            while (health.mode(peer) == PathHealth.Mode.KERNEL && System.nanoTime() - blockedAt < 5_000_000_000L)
                round.run();
            assertThat(health.mode(peer)).isEqualTo(PathHealth.Mode.SLEEVE);
            assertThat((System.nanoTime() - blockedAt) / 1_000_000)
                    .as("ms to fall back")
                    .isLessThan(2_000);

            TestNetns.run("ip", "netns", "exec", lab.ns[2], "nft", "delete table inet wfttest");
            long unblockedAt = System.nanoTime();
            while (health.mode(peer) == PathHealth.Mode.SLEEVE && System.nanoTime() - unblockedAt < 5_000_000_000L)
                round.run();
            assertThat(health.mode(peer)).isEqualTo(PathHealth.Mode.KERNEL);
            assertThat((System.nanoTime() - unblockedAt) / 1_000_000)
                    .as("ms to upgrade")
                    .isLessThan(2_000);
        } finally {
            pa.close();
            pb.close();
        }
    }

    @Test
    void probeSocketNeedsTheVxlanDevice() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lab.nl[1].call(() -> VxlanProbe.start(
                        1, SleeveLab.vtep(1), "weft.vxlan", VxlanProbe.DEFAULT_PORT, lab.group, (p, s) -> {})))
                .isInstanceOf(TunException.class)
                .hasMessageContaining("SO_BINDTODEVICE");
    }
}
