package dev.weft.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.LocalPod;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.DesiredState.DesiredNeighbour;
import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.DesiredState.RouteKind;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Inner IPv6 over an IPv4 underlay: the same VXLAN device, IPv6 routes via the peer's IPv6 VTEP address. */
class DualStackDesiredStateTest {
    static final MacAddress MAC_A = MacAddress.parse("02:57:00:00:00:0a");
    static final MacAddress MAC_B = MacAddress.parse("02:57:00:00:00:0b");

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static LocalNode local() {
        return new LocalNode("a", ip("192.0.2.1"), "eth0", 1500, MAC_A, ip("198.18.0.1"), ip("2001:db8:18::1"));
    }

    static RemotePeer peerB(boolean sameL2, String v6Vtep) {
        return new RemotePeer(
                "b",
                ip("192.0.2.2"),
                MAC_B,
                ip("198.18.1.1"),
                List.of(Cidr.parse("198.18.1.0/24"), Cidr.parse("2001:db8:18::100/120")),
                sameL2,
                Set.of(DatapathMode.VXLAN, DatapathMode.HOST_GW),
                v6Vtep == null ? null : ip(v6Vtep));
    }

    static DesiredRoute route(DesiredState d, String dst) {
        return d.routes().stream()
                .filter(r -> r.destination().equals(Cidr.parse(dst)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no route to " + dst + " in " + d.routes()));
    }

    @Test
    void ipv6RangesGoViaThePeersIpv6VtepOnTheSameDeviceWithAPermanentNeighbour() {
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withDirectRouting(false),
                new ClusterView(
                        local(),
                        List.of(peerB(false, "2001:db8:18::101")),
                        List.of(
                                new LocalPod(ip("198.18.0.2"), "weftpod"),
                                new LocalPod(ip("2001:db8:18::2"), "weftpod"))));
        assertThat(d.problems()).isEmpty();
        assertThat(d.device().addresses()).containsExactly(ip("198.18.0.1"), ip("2001:db8:18::1"));
        assertThat(route(d, "2001:db8:18::100/120"))
                .isEqualTo(new DesiredRoute(
                        Cidr.parse("2001:db8:18::100/120"),
                        ip("2001:db8:18::101"),
                        "weft.vxlan",
                        true,
                        Rtnl.RT_SCOPE_UNIVERSE,
                        RouteKind.REMOTE_VXLAN,
                        "b"));
        assertThat(route(d, "198.18.1.0/24").gateway()).isEqualTo(ip("198.18.1.1"));
        assertThat(d.neighbours())
                .containsExactlyInAnyOrder(
                        new DesiredNeighbour(ip("198.18.1.1"), MAC_B, "weft.vxlan", "b"),
                        new DesiredNeighbour(ip("2001:db8:18::101"), MAC_B, "weft.vxlan", "b"));
        assertThat(d.fdb())
                .singleElement()
                .satisfies(f -> assertThat(f.remote()).isEqualTo(ip("192.0.2.2")));
        assertThat(route(d, "2001:db8:18::2/128").kind()).isEqualTo(RouteKind.LOCAL_POD);
        assertThat(route(d, "2001:db8:18::2/128").device()).isEqualTo("weftpod");
    }

    @Test
    void hostGwPeersGetIpv4RoutesViaTheUnderlayAndIpv6OverVxlanBecauseTheKernelHasNoIpv6ViaIpv4() {
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withDirectRouting(true),
                new ClusterView(local(), List.of(peerB(true, "2001:db8:18::101")), List.of()));
        assertThat(d.problems()).isEmpty();
        assertThat(route(d, "198.18.1.0/24").kind()).isEqualTo(RouteKind.REMOTE_HOST_GW);
        assertThat(route(d, "198.18.1.0/24").gateway()).isEqualTo(ip("192.0.2.2"));
        assertThat(route(d, "2001:db8:18::100/120").kind()).isEqualTo(RouteKind.REMOTE_VXLAN);
        assertThat(route(d, "2001:db8:18::100/120").gateway()).isEqualTo(ip("2001:db8:18::101"));
        assertThat(d.neighbours()).extracting(DesiredNeighbour::address).contains(ip("2001:db8:18::101"));
        assertThat(d.fdb()).as("the IPv6 fallback needs the peer's FDB entry").hasSize(1);
        assertThat(d.peers())
                .singleElement()
                .satisfies(p -> assertThat(p.mode()).isEqualTo(DatapathMode.HOST_GW));
    }

    @Test
    void aSleevePeerGetsBothFamiliesRoutedIntoTheTunWithoutNextHopAndKeepsItsVxlanEntriesForProbes() {
        RemotePeer b = peerB(false, "2001:db8:18::101");
        // the agent offers only the sleeve towards a peer whose kernel path failed
        RemotePeer sleeve = new RemotePeer(
                b.peerId(),
                b.underlayAddress(),
                b.vtepMac(),
                b.vtepAddress(),
                b.cidrs(),
                false,
                Set.of(DatapathMode.SLEEVE),
                b.vtepAddressV6());
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withDirectRouting(false).withSleeveDevice("weft.sleeve"),
                new ClusterView(local(), List.of(sleeve), List.of()));
        assertThat(d.problems()).isEmpty();
        assertThat(route(d, "2001:db8:18::100/120"))
                .isEqualTo(new DesiredRoute(
                        Cidr.parse("2001:db8:18::100/120"),
                        null,
                        "weft.sleeve",
                        false,
                        Rtnl.RT_SCOPE_UNIVERSE,
                        RouteKind.REMOTE_SLEEVE,
                        "b"));
        assertThat(route(d, "198.18.1.0/24"))
                .isEqualTo(new DesiredRoute(
                        Cidr.parse("198.18.1.0/24"),
                        null,
                        "weft.sleeve",
                        false,
                        Rtnl.RT_SCOPE_LINK,
                        RouteKind.REMOTE_SLEEVE,
                        "b"));
        assertThat(d.neighbours())
                .extracting(DesiredNeighbour::address)
                .containsExactlyInAnyOrder(ip("198.18.1.1"), ip("2001:db8:18::101"));
        assertThat(d.peers()).singleElement().satisfies(p -> {
            assertThat(p.mode()).isEqualTo(DatapathMode.SLEEVE);
            assertThat(p.cidrs()).hasSize(2);
        });
    }

    @Test
    void aPeerThatAnnouncedNoIpv6VtepGetsNoIpv6RouteAndTheProblemIsNamed() {
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withDirectRouting(false),
                new ClusterView(local(), List.of(peerB(false, null)), List.of()));
        assertThat(d.routes()).extracting(r -> r.destination().toString()).containsExactly("198.18.1.0/24");
        assertThat(d.problems())
                .singleElement()
                .asString()
                .contains("2001:db8:18::100/120")
                .contains("IPv6 VTEP");
    }

    @Test
    void theReconcilerPutsBothVtepAddressesOnTheDeviceAndRepairsTheIpv6Entries() {
        InMemoryNetlink k = new InMemoryNetlink();
        var eth0 = k.createLink(new LinkSpec.Bridge("eth0", 1500, null));
        k.updateLink(new LinkUpdate(eth0.index()).up(true));
        DatapathConfig cfg = DatapathConfig.defaults().withDirectRouting(false);
        Reconciler r = new Reconciler(k, cfg);
        DesiredState d = DesiredStateCalculator.compute(
                cfg, new ClusterView(local(), List.of(peerB(false, "2001:db8:18::101")), List.of()));
        r.setDesired(d);
        assertThat(r.reconcile().errors()).isEmpty();
        int dev = k.link("weft.vxlan").orElseThrow().index();
        assertThat(k.addresses(Rtnl.AF_INET6))
                .anyMatch(a -> a.index() == dev && IpAddress.of(a.address()).equals(ip("2001:db8:18::1")));
        assertThat(k.addresses(Rtnl.AF_INET)).anyMatch(a -> a.index() == dev);
        assertThat(k.routes(Rtnl.AF_INET6)).anyMatch(x -> x.prefixLength() == 120);
        assertThat(k.neighbours(Rtnl.AF_INET6)).anyMatch(n -> n.isPermanent() && MAC_B.equals(n.lladdr()));

        // something else removes the IPv6 route and neighbour: the next apply restores them
        k.routes(Rtnl.AF_INET6).stream().filter(x -> x.prefixLength() == 120).forEach(k::deleteRoute);
        k.neighbours(Rtnl.AF_INET6).forEach(k::deleteNeighbour);
        ReconcileResult again = r.reconcile();
        assertThat(again.errors()).isEmpty();
        assertThat(again.repaired().values().stream()
                        .mapToInt(Integer::intValue)
                        .sum())
                .isGreaterThanOrEqualTo(2);
        assertThat(k.routes(Rtnl.AF_INET6)).anyMatch(x -> x.prefixLength() == 120);
        assertThat(k.neighbours(Rtnl.AF_INET6)).anyMatch(n -> n.isPermanent() && MAC_B.equals(n.lladdr()));
    }
}
