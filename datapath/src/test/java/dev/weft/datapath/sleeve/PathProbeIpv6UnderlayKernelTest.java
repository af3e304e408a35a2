package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.testing.TestNetns;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link PathProbeKernelTest} over an underlay with only IPv6 addresses (2001:db8:c0::1/64 - ::2/64): the kernel VXLAN
 * devices carry the probes (inner IPv4 between the VTEP addresses) over IPv6, and blocking UDP 4789 (both families)
 * moves the peer to the sleeve and back.
 */
@Tag("kernel")
class PathProbeIpv6UnderlayKernelTest extends PathProbeKernelTest {
    @Override
    SleeveLab newLab() {
        return new SleeveLab(true);
    }

    @Test
    void theUnderlayHasNoIpv4AndTheVxlanDeviceUsesIpv6() {
        lab.kernelVxlan(1, 2);
        assertThat(TestNetns.in(lab.ns[1], "ip", "-4", "addr", "show", "dev", "ul"))
                .doesNotContain("inet");
        assertThat(TestNetns.in(lab.ns[1], "ip", "-d", "link", "show", "dev", "weft.vxlan"))
                .contains("local 2001:db8:c0::1");
    }
}
