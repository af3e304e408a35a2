package dev.weft.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.LocalPod;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.DesiredState.DesiredFdb;
import dev.weft.datapath.DesiredState.DesiredNeighbour;
import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.DesiredState.RouteKind;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DesiredStateCalculatorTest {
    static final MacAddress MAC_A = MacAddress.parse("02:57:00:00:00:0a");
    static final MacAddress MAC_B = MacAddress.parse("02:57:00:00:00:0b");
    static final MacAddress MAC_C = MacAddress.parse("02:57:00:00:00:0c");

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static Cidr cidr(String s) {
        return Cidr.parse(s);
    }

    static LocalNode local() {
        return new LocalNode("a", ip("192.0.2.1"), "eth0", 1500, MAC_A, ip("198.18.0.1"));
    }

    static RemotePeer peer(String id, String underlay, MacAddress mac, String vtep, boolean sameL2, String... cidrs) {
        return new RemotePeer(
                id,
                ip(underlay),
                mac,
                ip(vtep),
                List.of(cidrs).stream().map(Cidr::parse).toList(),
                sameL2,
                Set.of(DatapathMode.VXLAN, DatapathMode.HOST_GW));
    }

    @Test
    void vxlanDeviceDefaults() {
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local(), List.of(), List.of()));
        assertThat(d.device())
                .isEqualTo(new DesiredState.VxlanDevice(
                        "weft.vxlan", 1, 4789, ip("192.0.2.1"), "eth0", false, 1450, MAC_A, ip("198.18.0.1")));
        assertThat(d.routes()).isEmpty();
        assertThat(d.problems()).isEmpty();
    }

    @Test
    void configuredMtuVniPortWin() {
        DatapathConfig c = DatapathConfig.defaults()
                .withMtu(1400)
                .withVni(77)
                .withPort(8472)
                .withDevice("wx");
        DesiredState d = DesiredStateCalculator.compute(c, new ClusterView(local(), List.of(), List.of()));
        assertThat(d.device().mtu()).isEqualTo(1400);
        assertThat(d.device().vni()).isEqualTo(77);
        assertThat(d.device().port()).isEqualTo(8472);
        assertThat(d.device().name()).isEqualTo("wx");
    }

    @Test
    void aConfiguredMtuTooLargeForTheUnderlayIsAProblemWithTheFix() {
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withMtu(1480), new ClusterView(local(), List.of(), List.of()));
        assertThat(d.problems())
                .singleElement()
                .asString()
                .contains("pod MTU 1480 + 50 bytes of VXLAN is more than the underlay MTU 1500 of eth0")
                .contains("set --mtu to 1450 or less");
        DesiredState fits = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withMtu(1450), new ClusterView(local(), List.of(), List.of()));
        assertThat(fits.problems()).isEmpty();
    }

    @Test
    void ipv6UnderlayUses70BytesOverhead() {
        LocalNode l6 = new LocalNode("a", ip("2001:db8::1"), "eth0", 9000, MAC_A, null);
        DesiredState d =
                DesiredStateCalculator.compute(DatapathConfig.defaults(), new ClusterView(l6, List.of(), List.of()));
        assertThat(d.device().mtu()).isEqualTo(8930);
    }

    @Test
    void unknownUnderlayMtuIsAProblemNotACrash() {
        LocalNode l = new LocalNode("a", ip("192.0.2.1"), null, 0, MAC_A, null);
        DesiredState d =
                DesiredStateCalculator.compute(DatapathConfig.defaults(), new ClusterView(l, List.of(), List.of()));
        assertThat(d.device().mtu()).isZero();
        assertThat(d.problems()).singleElement().asString().contains("MTU");
    }

    @Test
    void vxlanPeerGetsNeighbourFdbAndOnlinkRoutePerCidr() {
        RemotePeer b = peer("b", "192.0.2.2", MAC_B, "198.18.1.1", false, "198.18.1.0/26", "198.18.2.0/25");
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local(), List.of(b), List.of()));
        assertThat(d.neighbours()).containsExactly(new DesiredNeighbour(ip("198.18.1.1"), MAC_B, "weft.vxlan", "b"));
        assertThat(d.fdb()).containsExactly(new DesiredFdb(MAC_B, ip("192.0.2.2"), "weft.vxlan", "b"));
        assertThat(d.routes())
                .containsExactly(
                        new DesiredRoute(
                                cidr("198.18.1.0/26"),
                                ip("198.18.1.1"),
                                "weft.vxlan",
                                true,
                                Rtnl.RT_SCOPE_UNIVERSE,
                                RouteKind.REMOTE_VXLAN,
                                "b"),
                        new DesiredRoute(
                                cidr("198.18.2.0/25"),
                                ip("198.18.1.1"),
                                "weft.vxlan",
                                true,
                                Rtnl.RT_SCOPE_UNIVERSE,
                                RouteKind.REMOTE_VXLAN,
                                "b"));
        assertThat(d.peers())
                .singleElement()
                .satisfies(p -> assertThat(p.mode()).isEqualTo(DatapathMode.VXLAN));
    }

    @Test
    void hostGwOnlyWhenEnabledSameL2AndOffered() {
        RemotePeer b = peer("b", "192.0.2.2", MAC_B, "198.18.1.1", true, "198.18.1.0/26");
        RemotePeer c = peer("c", "198.51.100.3", MAC_C, "198.18.3.1", false, "198.18.3.0/26");
        ClusterView v = new ClusterView(local(), List.of(b, c), List.of());

        DesiredState off = DesiredStateCalculator.compute(DatapathConfig.defaults(), v);
        assertThat(off.routes()).allMatch(r -> r.kind() == RouteKind.REMOTE_VXLAN);

        DesiredState on =
                DesiredStateCalculator.compute(DatapathConfig.defaults().withDirectRouting(true), v);
        assertThat(on.routes())
                .containsExactly(
                        new DesiredRoute(
                                cidr("198.18.1.0/26"),
                                ip("192.0.2.2"),
                                "eth0",
                                false,
                                Rtnl.RT_SCOPE_UNIVERSE,
                                RouteKind.REMOTE_HOST_GW,
                                "b"),
                        new DesiredRoute(
                                cidr("198.18.3.0/26"),
                                ip("198.18.3.1"),
                                "weft.vxlan",
                                true,
                                Rtnl.RT_SCOPE_UNIVERSE,
                                RouteKind.REMOTE_VXLAN,
                                "c"));
        // host-gw peers keep their VXLAN neighbour and FDB entry: the path probes cross the VXLAN device
        assertThat(on.fdb()).extracting(DesiredFdb::peerId).containsExactly("b", "c");
        assertThat(on.neighbours()).extracting(DesiredNeighbour::peerId).containsExactly("b", "c");
        assertThat(on.neighbours())
                .filteredOn(n -> n.peerId().equals("b"))
                .singleElement()
                .satisfies(n -> assertThat(n.address()).isEqualTo(ip("198.18.1.1")));

        RemotePeer bVxlanOnly = new RemotePeer(
                "b",
                ip("192.0.2.2"),
                MAC_B,
                ip("198.18.1.1"),
                List.of(cidr("198.18.1.0/26")),
                true,
                Set.of(DatapathMode.VXLAN));
        DesiredState notOffered = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withDirectRouting(true),
                new ClusterView(local(), List.of(bVxlanOnly), List.of()));
        assertThat(notOffered.routes()).allMatch(r -> r.kind() == RouteKind.REMOTE_VXLAN);
    }

    @Test
    void sleevePeerIsRoutedToTheTunAndKeepsItsVxlanEntriesForProbes() {
        RemotePeer s = new RemotePeer(
                "s",
                ip("192.0.2.5"),
                MAC_B,
                ip("198.18.5.1"),
                List.of(cidr("198.18.5.0/26")),
                false,
                Set.of(DatapathMode.SLEEVE));
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withSleeveDevice("weft.sleeve"),
                new ClusterView(local(), List.of(s), List.of()));
        assertThat(d.routes())
                .containsExactly(new DesiredRoute(
                        cidr("198.18.5.0/26"),
                        null,
                        "weft.sleeve",
                        false,
                        Rtnl.RT_SCOPE_LINK,
                        RouteKind.REMOTE_SLEEVE,
                        "s"));
        assertThat(d.peers()).extracting(DesiredState.PeerPlan::mode).containsExactly(DatapathMode.SLEEVE);
        assertThat(d.neighbours()).extracting(DesiredNeighbour::peerId).containsExactly("s");
        assertThat(d.fdb()).extracting(DesiredFdb::peerId).containsExactly("s");
        // a healthy kernel path wins over the sleeve
        RemotePeer both = new RemotePeer(
                "s",
                ip("192.0.2.5"),
                MAC_B,
                ip("198.18.5.1"),
                List.of(cidr("198.18.5.0/26")),
                false,
                Set.of(DatapathMode.SLEEVE, DatapathMode.VXLAN));
        assertThat(DesiredStateCalculator.compute(
                                DatapathConfig.defaults().withSleeveDevice("weft.sleeve"),
                                new ClusterView(local(), List.of(both), List.of()))
                        .routes())
                .allMatch(r -> r.kind() == RouteKind.REMOTE_VXLAN);
    }

    @Test
    void peerWithoutCommonDatapathOrVtepIsReportedNotRouted() {
        RemotePeer sleeveOnly = new RemotePeer(
                "s",
                ip("192.0.2.5"),
                MAC_B,
                ip("198.18.5.1"),
                List.of(cidr("198.18.5.0/26")),
                false,
                Set.of(DatapathMode.SLEEVE));
        RemotePeer noVtep = new RemotePeer(
                "t", ip("192.0.2.6"), null, null, List.of(cidr("198.18.6.0/26")), false, Set.of(DatapathMode.VXLAN));
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local(), List.of(sleeveOnly, noVtep), List.of()));
        assertThat(d.routes()).isEmpty();
        assertThat(d.fdb()).isEmpty();
        assertThat(d.peers()).extracting(DesiredState.PeerPlan::mode).containsOnlyNulls();
        assertThat(d.peers())
                .extracting(DesiredState.PeerPlan::reason)
                .anySatisfy(r -> assertThat(r).contains("no common kernel datapath"))
                .anySatisfy(r -> assertThat(r).contains("VTEP"));
    }

    @Test
    void overlappingCidrsFirstPeerIdWinsAndIsReported() {
        RemotePeer b = peer("b", "192.0.2.2", MAC_B, "198.18.1.1", false, "198.18.1.0/24");
        RemotePeer c = peer("c", "192.0.2.3", MAC_C, "198.18.3.1", false, "198.18.1.64/26", "198.18.3.0/26");
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local(), List.of(c, b), List.of()));
        assertThat(d.routes())
                .extracting(r -> r.destination().toString() + "@" + r.peerId())
                .containsExactly("198.18.1.0/24@b", "198.18.3.0/26@c");
        assertThat(d.problems())
                .anySatisfy(p -> assertThat(p)
                        .contains("peer=c")
                        .contains("198.18.1.64/26")
                        .contains("overlaps"));
    }

    @Test
    void duplicateVtepMacAndSelfAndDuplicatePeerAreSkipped() {
        RemotePeer b = peer("b", "192.0.2.2", MAC_B, "198.18.1.1", false, "198.18.1.0/26");
        RemotePeer c = peer("c", "192.0.2.3", MAC_B, "198.18.3.1", false, "198.18.3.0/26");
        RemotePeer self = peer("a", "192.0.2.1", MAC_A, "198.18.0.1", false, "198.18.0.0/26");
        RemotePeer bAgain = peer("b", "192.0.2.9", MAC_C, "198.18.9.1", false, "198.18.9.0/26");
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local(), List.of(b, c, self, bAgain), List.of()));
        assertThat(d.fdb()).extracting(DesiredFdb::peerId).containsExactly("b");
        assertThat(d.problems()).hasSize(3);
    }

    @Test
    void ipv6RangeWithIpv4VtepIsSkipped() {
        RemotePeer b = peer("b", "192.0.2.2", MAC_B, "198.18.1.1", false, "198.18.1.0/26", "2001:db8:1::/64");
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local(), List.of(b), List.of()));
        assertThat(d.routes()).hasSize(1);
        assertThat(d.problems()).singleElement().asString().contains("2001:db8:1::/64");
    }

    @Test
    void localPodsGetLinkScopeHostRoutes() {
        DesiredState d = DesiredStateCalculator.compute(
                DatapathConfig.defaults(),
                new ClusterView(
                        local(),
                        List.of(),
                        List.of(
                                new LocalPod(ip("198.18.0.5"), "weft1234"),
                                new LocalPod(ip("198.18.0.5"), "weft9999"))));
        assertThat(d.routes())
                .containsExactly(new DesiredRoute(
                        cidr("198.18.0.5/32"), null, "weft1234", false, Rtnl.RT_SCOPE_LINK, RouteKind.LOCAL_POD, null));
        assertThat(d.problems()).singleElement().asString().contains("weft9999");
    }

    @Test
    void resultDoesNotDependOnPeerOrder() {
        List<RemotePeer> peers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            peers.add(peer(
                    "p" + i,
                    "192.0.2." + (10 + i),
                    MacAddress.of(new byte[] {2, 0x57, 0, 0, 1, (byte) i}),
                    "198.18." + (10 + i) + ".1",
                    i % 2 == 0,
                    "198.18." + (10 + i) + ".0/24"));
        }
        // two peers claiming the same range: the winner must not depend on order either
        peers.add(peer(
                "zz", "192.0.2.200", MacAddress.parse("02:57:00:00:02:00"), "198.19.0.1", false, "198.18.10.0/25"));
        DesiredState first = DesiredStateCalculator.compute(
                DatapathConfig.defaults().withDirectRouting(true), new ClusterView(local(), peers, List.of()));
        Random rnd = new Random(42);
        for (int round = 0; round < 20; round++) {
            List<RemotePeer> shuffled = new ArrayList<>(peers);
            Collections.shuffle(shuffled, rnd);
            assertThat(DesiredStateCalculator.compute(
                            DatapathConfig.defaults().withDirectRouting(true),
                            new ClusterView(local(), shuffled, List.of())))
                    .isEqualTo(first);
        }
        assertThat(first.routes()).hasSize(50);
    }

    @Test
    void configValidation() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DatapathConfig.defaults().withVni(1 << 24))
                .hasMessageContaining("VNI");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DatapathConfig.defaults().withDevice("a-name-longer-than-15"))
                .hasMessageContaining("1-15");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DatapathConfig.defaults().withRouteProtocol(4))
                .hasMessageContaining("kernel");
    }
}
