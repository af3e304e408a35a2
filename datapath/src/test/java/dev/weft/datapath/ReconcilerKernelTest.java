package dev.weft.datapath;

import static dev.weft.datapath.testing.TestNetns.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.LocalPod;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkEvent;
import dev.weft.datapath.netlink.NetlinkEvents;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reconciler against the real kernel: install, idempotence, repair of hand-made damage, ownership. */
@Tag("kernel")
class ReconcilerKernelTest {
    static final MacAddress MAC_B = MacAddress.parse("02:57:00:00:00:0b");
    static final MacAddress MAC_C = MacAddress.parse("02:57:00:00:00:0c");

    @TempDir
    Path stateDir;

    TestNetns netns;
    String ns;
    NetlinkNamespace nl;
    MacAddress vtepMac;

    @BeforeEach
    void setUp() {
        netns = new TestNetns();
        ns = netns.create("n");
        in(ns, "ip", "link", "add", "ul0", "type", "bridge");
        in(ns, "ip", "addr", "add", "192.0.2.1/24", "dev", "ul0");
        in(ns, "ip", "link", "set", "ul0", "up");
        in(ns, "ip", "link", "add", "weftpod1", "type", "veth", "peer", "name", "podside1");
        in(ns, "ip", "link", "set", "weftpod1", "up");
        in(ns, "ip", "link", "add", "weftpod2", "type", "veth", "peer", "name", "podside2");
        in(ns, "ip", "link", "set", "weftpod2", "up");
        in(ns, "ip", "link", "add", "weftpod3", "type", "veth", "peer", "name", "podside3");
        in(ns, "ip", "link", "set", "weftpod3", "up");
        // a pod's host route added by someone else (proto boot, as `ip route add` does): identical to Weft's, still
        // foreign
        in(ns, "ip", "route", "add", "198.18.0.6/32", "dev", "weftpod2", "scope", "link");
        // the pod route an earlier Weft's plumber made (proto static on the pod's host veth): taken over
        in(ns, "ip", "route", "add", "198.18.0.7/32", "dev", "weftpod3", "scope", "link", "proto", "static");
        // foreign routes: one unrelated, one on a prefix a peer claims
        in(ns, "ip", "route", "add", "198.51.100.0/24", "via", "192.0.2.99", "proto", "static");
        in(ns, "ip", "route", "add", "198.18.200.0/24", "via", "192.0.2.77", "proto", "static");
        nl = NetlinkNamespace.open(
                TestNetns.path(ns), Thread.ofPlatform().daemon().factory());
        vtepMac = VtepMacStore.loadOrCreate(stateDir, new Random(7));
    }

    @AfterEach
    void tearDown() {
        if (nl != null) nl.close();
        netns.close();
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    ClusterView view(boolean withC) {
        List<RemotePeer> peers = new ArrayList<>();
        peers.add(new RemotePeer(
                "b",
                ip("192.0.2.2"),
                MAC_B,
                ip("198.18.1.1"),
                List.of(Cidr.parse("198.18.1.0/26"), Cidr.parse("198.18.2.0/26")),
                false,
                Set.of(DatapathMode.VXLAN)));
        if (withC) {
            peers.add(new RemotePeer(
                    "c",
                    ip("192.0.2.3"),
                    MAC_C,
                    ip("198.18.3.1"),
                    List.of(Cidr.parse("198.18.3.0/26")),
                    false,
                    Set.of(DatapathMode.VXLAN)));
        }
        peers.add(new RemotePeer(
                "d",
                ip("192.0.2.4"),
                MacAddress.parse("02:57:00:00:00:0d"),
                ip("198.18.4.1"),
                List.of(Cidr.parse("198.18.4.0/26")),
                true,
                Set.of(DatapathMode.VXLAN, DatapathMode.HOST_GW)));
        peers.add(new RemotePeer(
                "e",
                ip("192.0.2.5"),
                MacAddress.parse("02:57:00:00:00:0e"),
                ip("198.18.5.1"),
                List.of(Cidr.parse("198.18.200.0/24")),
                false,
                Set.of(DatapathMode.VXLAN)));
        LocalNode local = new LocalNode("a", ip("192.0.2.1"), "ul0", 1500, vtepMac, ip("198.18.0.1"));
        return new ClusterView(
                local,
                peers,
                List.of(
                        new LocalPod(ip("198.18.0.5"), "weftpod1"),
                        new LocalPod(ip("198.18.0.6"), "weftpod2"),
                        new LocalPod(ip("198.18.0.7"), "weftpod3")));
    }

    Reconciler reconciler(ClusterView v) {
        DatapathConfig cfg = DatapathConfig.defaults().withDirectRouting(true).withVni(4242);
        Reconciler r = new Reconciler(nl.netlink(), cfg);
        r.setDesired(DesiredStateCalculator.compute(cfg, v));
        return r;
    }

    @Test
    void installsIsIdempotentRepairsAndNeverTouchesForeignRoutes() {
        Reconciler r = reconciler(view(true));
        ReconcileResult first = r.reconcile();
        assertThat(first.added(EntryKind.DEVICE)).isEqualTo(1);
        // b x2, c, d (host-gw), pod 1, pod 3 (taken over); e's range and pod 2's /32 are blocked by foreign routes
        assertThat(first.added(EntryKind.ROUTE)).isEqualTo(6);
        // neighbour + FDB for b, c, e and d (host-gw peers keep them: the path probes cross the VXLAN device)
        assertThat(first.added(EntryKind.NEIGHBOUR)).isEqualTo(4);
        assertThat(first.added(EntryKind.FDB)).isEqualTo(4);
        assertThat(first.errors()).hasSize(2);
        assertThat(first.errors())
                .anySatisfy(e -> assertThat(e).contains("198.18.200.0/24").contains("not owned by Weft"));
        assertThat(first.errors())
                .anySatisfy(e -> assertThat(e)
                        .contains("198.18.0.6/32")
                        .contains("weftpod2")
                        .contains("not owned by Weft")
                        .contains("proto 3")
                        .contains("ip route del 198.18.0.6/32 proto 3"));

        String dev = in(ns, "ip", "-d", "link", "show", "weft.vxlan");
        assertThat(dev)
                .contains("vxlan id 4242")
                .contains("local 192.0.2.1")
                .contains("dev ul0")
                .contains("nolearning")
                .contains("mtu 1450")
                .contains(vtepMac.toString())
                .contains("state UNKNOWN");
        assertThat(in(ns, "ip", "addr", "show", "weft.vxlan")).contains("inet 198.18.0.1/32");
        String routes = in(ns, "ip", "route", "show", "proto", "87");
        assertThat(routes)
                .contains("198.18.1.0/26 via 198.18.1.1 dev weft.vxlan onlink")
                .contains("198.18.2.0/26 via 198.18.1.1 dev weft.vxlan onlink")
                .contains("198.18.3.0/26 via 198.18.3.1 dev weft.vxlan onlink")
                .contains("198.18.4.0/26 via 192.0.2.4 dev ul0")
                .contains("198.18.0.5 dev weftpod1 scope link")
                .contains("198.18.0.7 dev weftpod3 scope link");
        assertThat(in(ns, "ip", "route", "show", "198.18.0.7")).doesNotContain("proto static");
        assertThat(in(ns, "ip", "neigh", "show", "dev", "weft.vxlan"))
                .contains("198.18.1.1 lladdr 02:57:00:00:00:0b PERMANENT")
                .contains("198.18.3.1 lladdr 02:57:00:00:00:0c PERMANENT");
        assertThat(in(ns, "bridge", "fdb", "show", "dev", "weft.vxlan"))
                .contains("02:57:00:00:00:0b dst 192.0.2.2 self permanent")
                .contains("02:57:00:00:00:0c dst 192.0.2.3 self permanent");

        ReconcileResult second = r.reconcile();
        assertThat(second.totalChanges()).isZero();

        // damage by hand
        in(ns, "ip", "route", "del", "198.18.1.0/26");
        in(ns, "bridge", "fdb", "del", "02:57:00:00:00:0c", "dev", "weft.vxlan", "dst", "192.0.2.3");
        in(ns, "ip", "neigh", "del", "198.18.1.1", "dev", "weft.vxlan");
        in(
                ns,
                "ip",
                "route",
                "replace",
                "198.18.3.0/26",
                "via",
                "198.18.9.9",
                "dev",
                "weft.vxlan",
                "onlink",
                "proto",
                "87");
        ReconcileResult repair = r.reconcile();
        assertThat(repair.repaired(EntryKind.ROUTE)).isEqualTo(2);
        assertThat(repair.repaired(EntryKind.FDB)).isEqualTo(1);
        assertThat(repair.repaired(EntryKind.NEIGHBOUR)).isEqualTo(1);
        assertThat(in(ns, "ip", "route", "show", "proto", "87"))
                .contains("198.18.1.0/26 via 198.18.1.1 dev weft.vxlan onlink")
                .contains("198.18.3.0/26 via 198.18.3.1 dev weft.vxlan onlink");
        assertThat(in(ns, "bridge", "fdb", "show", "dev", "weft.vxlan")).contains("02:57:00:00:00:0c dst 192.0.2.3");
        assertThat(in(ns, "ip", "neigh", "show", "dev", "weft.vxlan")).contains("198.18.1.1 lladdr 02:57:00:00:00:0b");

        // the whole device deleted by hand: recreated with the same MAC, entries restored
        in(ns, "ip", "link", "del", "weft.vxlan");
        ReconcileResult device = r.reconcile();
        assertThat(device.repaired(EntryKind.DEVICE)).isEqualTo(1);
        assertThat(device.repaired(EntryKind.FDB)).isEqualTo(4);
        assertThat(device.repaired(EntryKind.NEIGHBOUR)).isEqualTo(4);
        assertThat(device.repaired(EntryKind.ROUTE)).isEqualTo(3);
        assertThat(in(ns, "ip", "link", "show", "weft.vxlan")).contains(vtepMac.toString());
        assertThat(r.counters().repairs(EntryKind.ROUTE)).isEqualTo(5);

        // an incompatible device with our name (wrong VNI) is replaced
        in(ns, "ip", "link", "del", "weft.vxlan");
        in(
                ns,
                "ip",
                "link",
                "add",
                "weft.vxlan",
                "type",
                "vxlan",
                "id",
                "9",
                "dstport",
                "4789",
                "local",
                "192.0.2.1",
                "dev",
                "ul0");
        r.reconcile();
        assertThat(in(ns, "ip", "-d", "link", "show", "weft.vxlan"))
                .contains("vxlan id 4242")
                .contains("nolearning");

        // peer c leaves: its route, neighbour and FDB entry go; nothing else changes
        Reconciler r2 = r;
        r2.setDesired(DesiredStateCalculator.compute(r.config(), view(false)));
        ReconcileResult left = r2.reconcile();
        assertThat(left.removed(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(left.removed(EntryKind.NEIGHBOUR)).isEqualTo(1);
        assertThat(left.removed(EntryKind.FDB)).isEqualTo(1);
        assertThat(left.added(EntryKind.ROUTE) + left.repaired(EntryKind.ROUTE)).isZero();
        assertThat(in(ns, "ip", "route", "show", "proto", "87")).doesNotContain("198.18.3.0");
        assertThat(in(ns, "bridge", "fdb", "show", "dev", "weft.vxlan")).doesNotContain("02:57:00:00:00:0c");

        // foreign routes untouched throughout
        assertThat(in(ns, "ip", "route", "show", "198.18.0.6", "proto", "boot")).contains("dev weftpod2");
        assertThat(in(ns, "ip", "route", "show", "198.51.100.0/24"))
                .contains("via 192.0.2.99")
                .contains("proto static");
        assertThat(in(ns, "ip", "route", "show", "198.18.200.0/24"))
                .contains("via 192.0.2.77")
                .contains("proto static");

        DatapathStatus st = r.status();
        assertThat(st.mac()).isEqualTo(vtepMac);
        assertThat(st.routes()).anySatisfy(rs -> {
            assertThat(rs.destination()).isEqualTo(Cidr.parse("198.18.4.0/26"));
            assertThat(rs.peerId()).isEqualTo("d");
            assertThat(rs.kind()).isEqualTo(DesiredState.RouteKind.REMOTE_HOST_GW);
            assertThat(rs.installed()).isTrue();
        });
        assertThat(st.routes()).anySatisfy(rs -> {
            assertThat(rs.destination()).isEqualTo(Cidr.parse("198.18.0.6/32"));
            assertThat(rs.installed()).isFalse();
        });
        assertThat(st.routes()).anySatisfy(rs -> {
            assertThat(rs.destination()).isEqualTo(Cidr.parse("198.18.0.7/32"));
            assertThat(rs.installed()).isTrue();
        });
        assertThat(st.routes()).anySatisfy(rs -> {
            assertThat(rs.peerId()).isEqualTo("e");
            assertThat(rs.installed()).isFalse();
        });
    }

    @Test
    void macPersistsAcrossRestartAndEventsFlagDamage() {
        Reconciler r = reconciler(view(true));
        r.reconcile();
        // "restart": new store load, new reconciler, device gone meanwhile
        in(ns, "ip", "link", "del", "weft.vxlan");
        MacAddress reloaded = VtepMacStore.loadOrCreate(stateDir, new Random(99));
        assertThat(reloaded).isEqualTo(vtepMac);
        Reconciler restarted = reconciler(view(true));
        restarted.reconcile();
        assertThat(in(ns, "ip", "link", "show", "weft.vxlan")).contains(vtepMac.toString());

        try (NetlinkEvents events = nl.subscribe()) {
            in(ns, "ip", "route", "add", "198.18.77.0/24", "via", "192.0.2.77"); // foreign, unrelated: not relevant
            in(ns, "ip", "route", "del", "198.18.2.0/26"); // ours: relevant
            List<NetlinkEvent> relevant = new ArrayList<>();
            List<NetlinkEvent> all = new ArrayList<>();
            await("a relevant event")
                    .atMost(Duration.ofSeconds(5))
                    .pollInSameThread()
                    .untilAsserted(() -> {
                        for (NetlinkEvent e : events.poll(0)) {
                            all.add(e);
                            if (restarted.isRelevant(e)) relevant.add(e);
                        }
                        assertThat(relevant)
                                .as("relevant among events: %s", all)
                                .isNotEmpty();
                    });
            assertThat(relevant).allSatisfy(e -> assertThat(e).isInstanceOfAny(NetlinkEvent.RouteEvent.class));
            assertThat(all)
                    .noneMatch(e -> restarted.isRelevant(e)
                            && e instanceof NetlinkEvent.RouteEvent re
                            && re.route().destination() != null
                            && re.route().destination().getHostAddress().equals("198.18.77.0"));
        }
        assertThat(restarted.reconcile().repaired(EntryKind.ROUTE)).isEqualTo(1);
    }
}
