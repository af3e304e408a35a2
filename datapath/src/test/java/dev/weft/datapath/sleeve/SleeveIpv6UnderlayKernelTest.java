package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.testing.TestNetns;
import java.security.SecureRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sleeve over an underlay with only IPv6 addresses ({@code 2001:db8:c0::1/64 - ::2/64}, no IPv4 address on it):
 * every test of {@link SleeveIpv6KernelTest} (plain and encrypted sleeve to sleeve with both inner families, spoofed
 * inner sources dropped, interop with a kernel VXLAN device) runs here again with IPv6 sockets and IPv6 peers, plus
 * the TUN MTU (20 bytes less than over IPv4) and inner IPv4 against a kernel VXLAN device over IPv6.
 */
@Tag("kernel")
class SleeveIpv6UnderlayKernelTest extends SleeveIpv6KernelTest {
    @Override
    SleeveLab newLab() {
        return new SleeveLab(true);
    }

    @Test
    void theTunMtuLeavesRoomForTheIpv6OuterHeaderAndNothingGoesOverIpv4() {
        byte[] key = SleeveKeys.generatePrivateKey(new SecureRandom());
        SleeveBackend a = lab.sleeve(1, null, 1);
        SleeveBackend b = lab.sleeve(2, SleeveCrypto.of(key, "cluster secret for the test".getBytes()), 1);
        assertThat(a.status().mtu()).isEqualTo(1500 - 70);
        assertThat(b.status().mtu()).isEqualTo(1500 - 96);
        assertThat(TestNetns.in(lab.ns[1], "ip", "link", "show", "dev", "weft.sleeve"))
                .contains("mtu 1430");
        assertThat(TestNetns.in(lab.ns[1], "ip", "-4", "addr", "show", "dev", "ul"))
                .doesNotContain("inet");
        // the socket is IPv6 (ss shows a dual-stack [::] as *), none is IPv4
        assertThat(TestNetns.in(lab.ns[1], "ss", "-H", "-6", "-u", "-l", "-n", "sport", "=", ":4789"))
                .contains(":4789");
        assertThat(TestNetns.in(lab.ns[1], "ss", "-H", "-4", "-u", "-l", "-n", "sport", "=", ":4789"))
                .isBlank();
    }

    @Test
    void sleeveCarriesInnerIpv4ToAndFromKernelVxlanOverIpv6() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        lab.connect(a, 1, dualStackPeer(2, null));
        lab.kernelVxlan(2, 1);
        lab.awaitPing(1, 2);
        assertThat(lab.ping(2, 1, 3))
                .as("kernel VXLAN node pings sleeve node over IPv4")
                .isTrue();
        assertThat(lab.iperf(1, 2, 1, 1)).isGreaterThan(1e6);
        assertThat(lab.iperf(2, 1, 1, 1)).isGreaterThan(1e6);
        assertThat(a.counters().get(SleeveCounter.RX_UNKNOWN_SENDER)).isZero();
        assertThat(a.counters().get(SleeveCounter.TX_SEND_ERRORS)).isZero();
    }
}
