package dev.weft.datapath;

import static dev.weft.datapath.testing.TestNetns.in;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A dual-stack peer whose kernel path works again moves from the sleeve back to VXLAN: its IPv6 ranges must go from
 * {@code dev weft.sleeve} to {@code via <its IPv6 VTEP> dev weft.vxlan onlink}. The kernel checks an IPv6 onlink next
 * hop against the routing table: while the range holding the VTEP address still points at the sleeve, a route via
 * that VTEP on the VXLAN device is refused ("Nexthop has invalid gateway or device mismatch"), the range holding it
 * included. Seen in the lab (the IPv6 ranges stayed on the sleeve after the block was lifted). A veth stands in for
 * the sleeve's TUN device: only its name and index matter to the routes.
 */
@Tag("kernel")
class SleeveToVxlanIpv6KernelTest {
    static final MacAddress MAC_A = MacAddress.parse("02:57:00:00:00:0a");
    static final MacAddress MAC_B = MacAddress.parse("02:57:00:00:00:0b");

    TestNetns netns;
    String ns;
    NetlinkNamespace nl;

    @BeforeEach
    void setUp() {
        netns = new TestNetns();
        ns = netns.create("n");
        in(ns, "ip", "link", "add", "ul0", "type", "bridge");
        in(ns, "ip", "addr", "add", "192.0.2.1/24", "dev", "ul0");
        in(ns, "ip", "link", "set", "ul0", "up");
        in(ns, "ip", "link", "add", "weft.sleeve", "type", "veth", "peer", "name", "slvpeer");
        in(ns, "ip", "link", "set", "weft.sleeve", "up");
        in(ns, "ip", "link", "set", "slvpeer", "up");
        nl = NetlinkNamespace.open(
                TestNetns.path(ns), Thread.ofPlatform().daemon().factory());
    }

    @AfterEach
    void tearDown() {
        if (nl != null) nl.close();
        netns.close();
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static ClusterView view(Set<DatapathMode> peerModes) {
        LocalNode local =
                new LocalNode("a", ip("192.0.2.1"), "ul0", 1500, MAC_A, ip("198.18.0.1"), ip("2001:db8:18::1"));
        RemotePeer b = new RemotePeer(
                "b",
                ip("192.0.2.2"),
                MAC_B,
                ip("198.18.1.1"),
                // the VTEP 2001:db8:18::101 lies in the first IPv6 range; the second is routed via it too
                List.of(
                        Cidr.parse("198.18.1.0/24"),
                        Cidr.parse("2001:db8:18::100/120"),
                        Cidr.parse("2001:db8:18::400/118")),
                false,
                peerModes,
                ip("2001:db8:18::101"));
        return new ClusterView(local, List.of(b), List.of());
    }

    @Test
    void ipv6RangesReturnFromTheSleeveToVxlanViaTheVtepTheyHold() {
        DatapathConfig cfg = DatapathConfig.defaults().withDirectRouting(false).withSleeveDevice("weft.sleeve");
        Reconciler r = new Reconciler(nl.netlink(), cfg);
        r.setDesired(DesiredStateCalculator.compute(cfg, view(Set.of(DatapathMode.SLEEVE))));
        assertThat(r.reconcile().errors()).isEmpty();
        assertThat(in(ns, "ip", "-6", "route", "show", "proto", "87"))
                .contains("2001:db8:18::100/120 dev weft.sleeve")
                .contains("2001:db8:18::400/118 dev weft.sleeve");

        r.setDesired(DesiredStateCalculator.compute(cfg, view(Set.of(DatapathMode.VXLAN, DatapathMode.SLEEVE))));
        ReconcileResult back = r.reconcile();
        assertThat(back.errors()).isEmpty();
        assertThat(in(ns, "ip", "-6", "route", "show", "proto", "87"))
                .contains("2001:db8:18::100/120 via 2001:db8:18::101 dev weft.vxlan")
                .contains("2001:db8:18::400/118 via 2001:db8:18::101 dev weft.vxlan")
                .doesNotContain("weft.sleeve");
        assertThat(in(ns, "ip", "-4", "route", "show", "proto", "87"))
                .contains("198.18.1.0/24 via 198.18.1.1 dev weft.vxlan onlink");
        assertThat(r.reconcile().totalChanges()).isZero();

        // and to the sleeve again: device routes need no next hop check
        r.setDesired(DesiredStateCalculator.compute(cfg, view(Set.of(DatapathMode.SLEEVE))));
        assertThat(r.reconcile().errors()).isEmpty();
        assertThat(in(ns, "ip", "-6", "route", "show", "proto", "87")).doesNotContain("weft.vxlan");
    }
}
