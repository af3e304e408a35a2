package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Inner IPv6 through the sleeve over the IPv4 underlay of {@link SleeveLab}: node i also has the pod address
 * {@code 2001:db8:18:i::10} (the documentation prefix; DESIGN §10 has no IPv6 plan), the IPv6 VTEP {@code
 * 2001:db8:18:i::1} and the range {@code 2001:db8:18:i::/64}. Sleeve to sleeve, plain and encrypted, and the sleeve
 * against a kernel VXLAN device carrying IPv6; ping6 and TCP (iperf3) both ways.
 */
@Tag("kernel")
class SleeveIpv6KernelTest {
    SleeveLab lab;

    /** The lab the tests run in: an IPv4 underlay here ({@link SleeveIpv6UnderlayKernelTest}: IPv6 only). */
    SleeveLab newLab() {
        return new SleeveLab();
    }

    @BeforeEach
    void setUp() {
        lab = newLab();
        for (int i = 1; i <= 2; i++) {
            TestNetns.run("ip", "-n", lab.ns[i], "-6", "addr", "add", pod6(i) + "/128", "dev", "lo", "nodad");
        }
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    static String pod6(int i) {
        return "2001:db8:18:" + i + "::10";
    }

    static IpAddress vtep6(int i) {
        return IpAddress.parse("2001:db8:18:" + i + "::1");
    }

    /** Node i as a dual-stack sleeve peer: both ranges, both VTEP addresses. */
    SleevePeer dualStackPeer(int i, byte[] publicKey) {
        SleevePeer v4 = lab.peer(i, publicKey);
        return new SleevePeer(
                v4.peerId(),
                v4.underlay(),
                v4.vtepAddress(),
                v4.vtepMac(),
                List.of(v4.cidrs().getFirst(), Cidr.parse("2001:db8:18:" + i + "::/64")),
                publicKey,
                vtep6(i));
    }

    boolean ping6(int i, int j, int count) {
        return TestNetns.execIn(
                                lab.ns[i],
                                "ping",
                                "-6",
                                "-c",
                                String.valueOf(count),
                                "-i",
                                "0.2",
                                "-W",
                                "1",
                                "-I",
                                pod6(i),
                                pod6(j))
                        .exit()
                == 0;
    }

    void awaitPing6(int i, int j) {
        await("pod " + i + " pings pod " + j + " over IPv6")
                .atMost(Duration.ofSeconds(10))
                .pollInSameThread()
                .until(() -> ping6(i, j, 1));
    }

    /** iperf3 TCP over IPv6 from node i's pod to node j's for one second; bits/s received. */
    double iperf6(int i, int j) {
        Process server = null;
        try {
            server = new ProcessBuilder("ip", "netns", "exec", lab.ns[j], "iperf3", "-s", "-1", "-B", pod6(j))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            TestNetns.Result r = await("iperf3 over IPv6 from pod " + i + " to pod " + j)
                    .atMost(Duration.ofSeconds(10))
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> TestNetns.execIn(lab.ns[i], "iperf3", "-J", "-c", pod6(j), "-B", pod6(i), "-t", "1"),
                            res -> res.exit() == 0 && !res.out().contains("\"error\""));
            return IperfJson.receivedBitsPerSecond(r.out());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } finally {
            if (server != null) server.destroyForcibly();
        }
    }

    @Test
    void plainSleeveToSleeveCarriesIpv6AndIpv4() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        SleeveBackend b = lab.sleeve(2, null, 2);
        lab.connect(a, 1, dualStackPeer(2, null));
        lab.connect(b, 2, dualStackPeer(1, null));
        // the TUN device carries IPv6 without a link-local address of its own (so it sends no DAD or MLD into the
        // sleeve)
        assertThat(TestNetns.in(lab.ns[1], "ip", "-6", "route", "show", "dev", "weft.sleeve"))
                .contains("2001:db8:18:2::/64")
                .contains("2001:db8:18:2::1");
        assertThat(TestNetns.in(lab.ns[1], "ip", "-6", "addr", "show", "dev", "weft.sleeve"))
                .doesNotContain("fe80");
        awaitPing6(1, 2);
        assertThat(ping6(2, 1, 3)).as("IPv6 back").isTrue();
        lab.awaitPing(1, 2);
        assertThat(lab.ping(2, 1, 2)).as("IPv4 alongside").isTrue();
        assertThat(a.counters().get(SleeveCounter.TX_GSO_FRAMES)).isZero();
        assertThat(iperf6(1, 2)).isGreaterThan(1e6);
        assertThat(iperf6(2, 1)).isGreaterThan(1e6);
        // only IPv6 TCP ran: TSO6 frames came out of the TUN device and were cut by the sleeve
        assertThat(a.counters().get(SleeveCounter.TX_GSO_FRAMES)).isPositive();
        assertThat(a.counters().get(SleeveCounter.TX_BAD_PACKET)).isZero();
        assertThat(b.counters().get(SleeveCounter.TX_BAD_PACKET)).isZero();
        assertThat(a.counters().get(SleeveCounter.TX_NO_PEER))
                .as("nothing of the node's own (DAD, MLD, router solicitations) went into the TUN")
                .isZero();
        assertThat(b.counters().get(SleeveCounter.RX_NOT_IP)).isZero();
    }

    @Test
    void encryptedSleeveCarriesIpv6AndDropsSourcesOutsideTheSendersRangesInBothFamilies() {
        SecureRandom rnd = new SecureRandom();
        byte[] secret = "cluster secret for the test".getBytes();
        byte[] privA = SleeveKeys.generatePrivateKey(rnd);
        byte[] privB = SleeveKeys.generatePrivateKey(rnd);
        SleeveBackend a = lab.sleeve(1, SleeveCrypto.of(privA, secret), 1);
        SleeveBackend b = lab.sleeve(2, SleeveCrypto.of(privB, secret), 1);
        lab.connect(a, 1, dualStackPeer(2, SleeveKeys.publicKey(privB)));
        lab.connect(b, 2, dualStackPeer(1, SleeveKeys.publicKey(privA)));
        awaitPing6(1, 2);
        assertThat(ping6(2, 1, 3)).isTrue();
        assertThat(iperf6(1, 2)).isGreaterThan(1e6);
        assertThat(b.counters().get(SleeveCounter.RX_AUTH_FAILED)).isZero();
        assertThat(b.counters().get(SleeveCounter.RX_SPOOFED_SOURCE)).isZero();
        assertThat(a.status().peers())
                .singleElement()
                .satisfies(p -> assertThat(p.cidrs()).containsExactly("198.18.2.0/24", "2001:db8:18:2::/64"));

        // b now believes node 1 owns no IPv6 range: node 1's IPv6 pod is a source it never announced
        b.upsertPeer(lab.peer(1, SleeveKeys.publicKey(privA)));
        long before = b.counters().get(SleeveCounter.RX_SPOOFED_SOURCE);
        assertThat(ping6(1, 2, 2)).isFalse();
        assertThat(b.counters().get(SleeveCounter.RX_SPOOFED_SOURCE)).isGreaterThanOrEqualTo(before + 2);
        assertThat(lab.ping(1, 2, 1))
                .as("IPv4 from its announced range still passes")
                .isTrue();

        // and the same for IPv4: node 1 announced only another IPv4 range (and its IPv6 one)
        SleevePeer other = dualStackPeer(1, SleeveKeys.publicKey(privA));
        b.upsertPeer(new SleevePeer(
                other.peerId(),
                other.underlay(),
                IpAddress.parse("198.18.9.1"),
                other.vtepMac(),
                List.of(Cidr.parse("198.18.9.0/24"), Cidr.parse("2001:db8:18:1::/64")),
                other.publicKey(),
                other.vtepAddressV6()));
        long before4 = b.counters().get(SleeveCounter.RX_SPOOFED_SOURCE);
        assertThat(lab.ping(1, 2, 2)).isFalse();
        assertThat(b.counters().get(SleeveCounter.RX_SPOOFED_SOURCE)).isGreaterThanOrEqualTo(before4 + 2);
        assertThat(ping6(1, 2, 1))
                .as("IPv6 from its announced range passes again")
                .isTrue();
    }

    @Test
    void sleeveInteroperatesWithKernelVxlanOverIpv6() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        lab.connect(a, 1, dualStackPeer(2, null));
        lab.kernelVxlan(2, 1);
        // node 2's kernel VXLAN device: its IPv6 VTEP, node 1's IPv6 VTEP resolved statically, node 1's range via it
        String n = lab.ns[2];
        TestNetns.run("ip", "-n", n, "-6", "addr", "add", vtep6(2) + "/128", "dev", "weft.vxlan", "nodad");
        TestNetns.run(
                "ip",
                "-n",
                n,
                "-6",
                "neigh",
                "add",
                vtep6(1).toString(),
                "lladdr",
                SleeveLab.mac(1).toString(),
                "dev",
                "weft.vxlan",
                "nud",
                "permanent");
        TestNetns.run(
                "ip",
                "-n",
                n,
                "-6",
                "route",
                "add",
                "2001:db8:18:1::/64",
                "via",
                vtep6(1).toString(),
                "dev",
                "weft.vxlan",
                "onlink");
        awaitPing6(1, 2); // sleeve node pings kernel VXLAN node
        assertThat(ping6(2, 1, 3))
                .as("kernel VXLAN node pings sleeve node over IPv6")
                .isTrue();
        // TCP both ways: the kernel sender leaves checksums partial and sends super-frames on the veth
        assertThat(iperf6(1, 2)).isGreaterThan(1e6);
        assertThat(iperf6(2, 1)).isGreaterThan(1e6);
        assertThat(a.counters().get(SleeveCounter.RX_NOT_IP)).isZero();
        assertThat(a.counters().get(SleeveCounter.TUN_WRITE_ERRORS)).isZero();
    }
}
