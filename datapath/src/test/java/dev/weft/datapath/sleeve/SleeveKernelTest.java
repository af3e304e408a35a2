package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.datapath.testing.TestNetns;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The sleeve against the real kernel: TUN in a namespace, interop with kernel VXLAN, sleeve to sleeve. */
@Tag("kernel")
class SleeveKernelTest {
    SleeveLab lab;

    @BeforeEach
    void setUp() {
        lab = new SleeveLab();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    @Test
    void tunDeviceIsCreatedInTheNamespaceWithMtuAndAddress() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        String link = TestNetns.in(lab.ns[1], "ip", "-d", "link", "show", "weft.sleeve");
        assertThat(link).contains("mtu 1450").contains("tun").contains("UP");
        assertThat(TestNetns.in(lab.ns[1], "ip", "addr", "show", "weft.sleeve")).contains("198.18.1.1/32");
        assertThat(TestNetns.execIn(lab.ns[2], "ip", "link", "show", "weft.sleeve")
                        .exit())
                .isNotZero();
        a.close();
        assertThat(TestNetns.execIn(lab.ns[1], "ip", "link", "show", "weft.sleeve")
                        .exit())
                .isNotZero();
    }

    @Test
    void sleeveInteroperatesWithKernelVxlan() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        lab.connect(a, 1, SleeveLab.peerSpec(2, null));
        lab.kernelVxlan(2, 1);
        lab.awaitPing(1, 2); // sleeve node pings kernel VXLAN node
        assertThat(lab.ping(2, 1, 3)).as("kernel VXLAN node pings sleeve node").isTrue();
        assertThat(a.counters().get(SleeveCounter.RX_PACKETS)).isGreaterThanOrEqualTo(3);
        assertThat(a.counters().get(SleeveCounter.TX_PACKETS)).isGreaterThanOrEqualTo(3);
        // TCP both ways: checksums (offloaded/partial on both sides) and TSO segmentation must be right
        assertThat(lab.iperf(1, 2, 1, 1)).isGreaterThan(1e6);
        assertThat(lab.iperf(2, 1, 1, 1)).isGreaterThan(1e6);
        assertThat(a.counters().get(SleeveCounter.RX_WRONG_VNI)).isZero();
    }

    @Test
    void plainSleeveExplainsAPortTakenByAKernelVxlanDevice() {
        lab.kernelVxlan(1, 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lab.sleeve(1, null, 1))
                .hasStackTraceContaining("sleeve cannot bind UDP port 4789")
                .hasStackTraceContaining("kernel VXLAN device");
        assertThat(TestNetns.execIn(lab.ns[1], "ip", "link", "show", "weft.sleeve")
                        .exit())
                .as("TUN removed again")
                .isNotZero();
    }

    @Test
    void sleeveToSleevePlain() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        SleeveBackend b = lab.sleeve(2, null, 2);
        lab.connect(a, 1, SleeveLab.peerSpec(2, null));
        lab.connect(b, 2, SleeveLab.peerSpec(1, null));
        // bulk replacement keeps the same peer and drops others
        SleevePeer stranger = new SleevePeer(
                0x77,
                dev.weft.ipam.addr.IpAddress.parse("192.0.2.77"),
                dev.weft.ipam.addr.IpAddress.parse("198.18.77.1"),
                SleeveLab.mac(7),
                java.util.List.of(),
                null);
        b.upsertPeer(stranger);
        b.setPeers(java.util.List.of(SleeveLab.peerSpec(1, null)));
        assertThat(b.peers()).extracting(SleevePeer::peerId).containsExactly(SleeveLab.peerId(1));
        lab.awaitPing(1, 2);
        assertThat(lab.ping(2, 1, 3)).isTrue();
        assertThat(lab.iperf(1, 2, 1, 2)).isGreaterThan(1e6);
        assertThat(a.counters().get(SleeveCounter.TX_GSO_FRAMES))
                .as("TSO frames crossed the TUN")
                .isPositive();
    }

    @Test
    void sleeveToSleeveEncrypted() {
        SecureRandom rnd = new SecureRandom();
        byte[] secret = "cluster secret for the test".getBytes();
        byte[] privA = SleeveKeys.generatePrivateKey(rnd);
        byte[] privB = SleeveKeys.generatePrivateKey(rnd);
        SleeveBackend a = lab.sleeve(1, SleeveCrypto.of(privA, secret), 1);
        SleeveBackend b = lab.sleeve(2, SleeveCrypto.of(privB, secret), 1);
        lab.connect(a, 1, SleeveLab.peerSpec(2, SleeveKeys.publicKey(privB)));
        lab.connect(b, 2, SleeveLab.peerSpec(1, SleeveKeys.publicKey(privA)));
        lab.awaitPing(1, 2);
        assertThat(lab.ping(2, 1, 3)).isTrue();
        assertThat(lab.iperf(1, 2, 1, 1)).isGreaterThan(1e6);
        assertThat(b.counters().get(SleeveCounter.RX_AUTH_FAILED)).isZero();
        assertThat(b.counters().get(SleeveCounter.RX_SESSIONS)).isEqualTo(1);
        SleeveStatus st = a.status();
        assertThat(st.encrypted()).isTrue();
        assertThat(st.port()).isEqualTo(6771);
        assertThat(st.mtu()).isEqualTo(1424);
        assertThat(st.peers()).singleElement().satisfies(p -> {
            assertThat(p.peerId()).isEqualTo(SleeveLab.peerId(2));
            assertThat(p.hasKey()).isTrue();
            assertThat(p.cidrs()).containsExactly("198.18.2.0/24");
        });
        assertThat(st.counters().get(SleeveCounter.TX_PACKETS)).isPositive();
        assertThat(a.removePeer(SleeveLab.peerId(2))).isTrue();
        assertThat(lab.ping(1, 2, 1)).isFalse();
        assertThat(a.counters().get(SleeveCounter.TX_NO_PEER)).isPositive();
    }

    @Test
    void encryptedSleeveDropsAndCountsPacketsUnderAWrongKey() {
        SecureRandom rnd = new SecureRandom();
        byte[] privA = SleeveKeys.generatePrivateKey(rnd);
        byte[] privB = SleeveKeys.generatePrivateKey(rnd);
        byte[] impostor = SleeveKeys.generatePrivateKey(rnd);
        SleeveBackend a = lab.sleeve(1, SleeveCrypto.of(privA, "secret".getBytes()), 1);
        SleeveBackend b = lab.sleeve(2, SleeveCrypto.of(privB, "secret".getBytes()), 1);
        lab.connect(a, 1, SleeveLab.peerSpec(2, SleeveKeys.publicKey(privB)));
        // b believes node 1 has another key: everything from a must fail authentication
        lab.connect(b, 2, SleeveLab.peerSpec(1, SleeveKeys.publicKey(impostor)));
        assertThat(lab.ping(1, 2, 2)).isFalse();
        await("authentication failures counted")
                .atMost(Duration.ofSeconds(5))
                .until(() -> b.counters().get(SleeveCounter.RX_AUTH_FAILED) >= 2);
        assertThat(b.counters().get(SleeveCounter.RX_PACKETS)).isZero();
    }
}
