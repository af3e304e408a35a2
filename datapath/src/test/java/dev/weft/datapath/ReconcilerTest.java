package dev.weft.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.netlink.Errno;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reconciler logic against {@link InMemoryNetlink} (no kernel). */
class ReconcilerTest {
    InMemoryNetlink nl;
    DatapathConfig cfg = DatapathConfig.defaults();

    @BeforeEach
    void setUp() {
        nl = new InMemoryNetlink();
        var eth0 = nl.createLink(new LinkSpec.Bridge("eth0", 1500, null));
        nl.updateLink(new LinkUpdate(eth0.index()).up(true));
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    DesiredState desired(int peers) {
        List<RemotePeer> list = new java.util.ArrayList<>();
        for (int i = 0; i < peers; i++) {
            list.add(new RemotePeer(
                    "p" + i,
                    ip("192.0.2." + (10 + i)),
                    MacAddress.of(new byte[] {2, 0x57, 0, 0, 0, (byte) i}),
                    ip("198.18." + i + ".1"),
                    List.of(Cidr.parse("198.18." + i + ".0/24")),
                    false,
                    Set.of(DatapathMode.VXLAN)));
        }
        LocalNode local = new LocalNode(
                "me", ip("192.0.2.1"), "eth0", 1500, MacAddress.parse("02:57:aa:00:00:01"), ip("198.19.0.1"));
        return DesiredStateCalculator.compute(cfg, new ClusterView(local, list, List.of()));
    }

    @Test
    void installThenNoOpThenRepair() throws Exception {
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(desired(3));
        ReconcileResult first = r.reconcile();
        assertThat(first.errors()).isEmpty();
        assertThat(first.added(EntryKind.ROUTE)).isEqualTo(3);
        assertThat(first.added(EntryKind.FDB)).isEqualTo(3);
        assertThat(first.added(EntryKind.NEIGHBOUR)).isEqualTo(3);
        assertThat(first.added(EntryKind.DEVICE)).isEqualTo(1);
        assertThat(r.reconcile().totalChanges()).isZero();

        assertThat(nl.removeRouteBehindTheBack(InetAddress.getByName("198.18.1.0"), 24))
                .isTrue();
        ReconcileResult repair = r.reconcile();
        assertThat(repair.repaired(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(repair.totalChanges()).isEqualTo(1);
        assertThat(r.counters().repairs(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(r.counters().entries(EntryKind.ROUTE)).isEqualTo(3);
    }

    @Test
    void kernelErrorIsCountedAndRetriedNextRun() {
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(desired(2));
        nl.failNext("RTM_NEWROUTE", Errno.ENOBUFS);
        ReconcileResult failed = r.reconcile();
        assertThat(failed.errors())
                .singleElement()
                .asString()
                .contains("ENOBUFS")
                .contains("peer=p");
        assertThat(failed.added(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(r.counters().errors()).isEqualTo(1);
        ReconcileResult retry = r.reconcile();
        assertThat(retry.errors()).isEmpty();
        assertThat(retry.added(EntryKind.ROUTE)).isEqualTo(1);
    }

    @Test
    void foreignRouteOnWantedPrefixIsLeftAloneAndReported() throws Exception {
        int eth0 = nl.link("eth0").orElseThrow().index();
        Route foreign = Route.builder()
                .destination(InetAddress.getByName("198.18.0.0"), 24)
                .gateway(InetAddress.getByName("192.0.2.99"))
                .outputIndex(eth0)
                .protocol(Rtnl.RTPROT_BOOT)
                .build();
        nl.addRoute(foreign, false);
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(desired(2));
        ReconcileResult res = r.reconcile();
        assertThat(res.errors())
                .singleElement()
                .asString()
                .contains("198.18.0.0/24")
                .contains("not owned by Weft");
        assertThat(nl.routes(Rtnl.AF_INET)).contains(foreign);
        assertThat(r.status().routes())
                .filteredOn(s -> s.peerId().equals("p0"))
                .singleElement()
                .satisfies(s -> assertThat(s.installed()).isFalse());
    }

    @Test
    void staleOwnedEntriesAreRemovedWhenPeersLeave() {
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(desired(3));
        r.reconcile();
        r.setDesired(desired(1));
        ReconcileResult res = r.reconcile();
        assertThat(res.removed(EntryKind.ROUTE)).isEqualTo(2);
        assertThat(res.removed(EntryKind.FDB)).isEqualTo(2);
        assertThat(res.removed(EntryKind.NEIGHBOUR)).isEqualTo(2);
        assertThat(nl.routes(Rtnl.AF_INET).stream().filter(x -> x.protocol() == cfg.routeProtocol()))
                .hasSize(1);
    }

    @Test
    void addOnlyKeepsEntriesOfPeersNotYetKnown() {
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(desired(3));
        r.reconcile();
        // a restarted agent that knows only one peer yet must not cut the others' routes
        r.setDesired(desired(1));
        ReconcileResult early = r.reconcileAddOnly();
        assertThat(early.removed(EntryKind.ROUTE) + early.removed(EntryKind.FDB) + early.removed(EntryKind.NEIGHBOUR))
                .isZero();
        assertThat(nl.routes(Rtnl.AF_INET).stream().filter(x -> x.protocol() == cfg.routeProtocol()))
                .hasSize(3);
        // once its view is complete, a normal run removes what is really gone
        assertThat(r.reconcile().removed(EntryKind.ROUTE)).isEqualTo(2);
    }

    @Test
    void missingUnderlayIsAnExplainedError() {
        Reconciler r = new Reconciler(nl, cfg);
        LocalNode local =
                new LocalNode("me", ip("192.0.2.1"), "nosuch0", 1500, MacAddress.parse("02:57:aa:00:00:01"), null);
        r.setDesired(DesiredStateCalculator.compute(cfg, new ClusterView(local, List.of(), List.of())));
        assertThat(r.reconcile().errors()).singleElement().asString().contains("underlay interface nosuch0 not found");
    }

    @Test
    void newDesiredStateTakesEffectOnlyAtTheNextReconcile() {
        Reconciler r = new Reconciler(nl, cfg);
        assertThat(r.reconcile().totalChanges()).as("nothing desired yet").isZero();
        r.setDesired(desired(1));
        assertThat(r.reconcile().added(EntryKind.ROUTE)).isEqualTo(1);
        r.setDesired(desired(2));
        assertThat(nl.routes(Rtnl.AF_INET).stream().filter(x -> x.protocol() == cfg.routeProtocol()))
                .hasSize(1);
        assertThat(r.reconcile().added(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(r.reconcile().totalChanges()).isZero();
        assertThat(r.counters().reconciles()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ pod host routes: owned by the desired state
    // only

    DesiredState withPod(String podIp, String hostVeth) {
        LocalNode local = new LocalNode(
                "me", ip("192.0.2.1"), "eth0", 1500, MacAddress.parse("02:57:aa:00:00:01"), ip("198.19.0.1"));
        return DesiredStateCalculator.compute(
                cfg, new ClusterView(local, List.of(), List.of(new ClusterView.LocalPod(ip(podIp), hostVeth))));
    }

    int veth(String name) {
        var l = nl.createLink(new LinkSpec.Veth(name, "pod-" + name.substring(4, 8), 1500, null, null, null));
        nl.updateLink(new LinkUpdate(l.index()).up(true));
        return l.index();
    }

    Route podRoute(String podIp, int index, int protocol) throws Exception {
        return Route.builder()
                .destination(InetAddress.getByName(podIp), 32)
                .outputIndex(index)
                .scope(Rtnl.RT_SCOPE_LINK)
                .protocol(protocol)
                .build();
    }

    @Test
    void podHostRouteIsInstalledWithWeftsProtocolAndRemovedWithThePod() throws Exception {
        int idx = veth("weftaaaaaaaaaaa");
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(withPod("198.19.0.5", "weftaaaaaaaaaaa"));
        ReconcileResult res = r.reconcile();
        assertThat(res.errors()).isEmpty();
        assertThat(res.added(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(nl.routes(Rtnl.AF_INET)).containsExactly(podRoute("198.19.0.5", idx, cfg.routeProtocol()));
        r.setDesired(desired(0));
        assertThat(r.reconcile().removed(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(nl.routes(Rtnl.AF_INET)).isEmpty();
    }

    @Test
    void podWhoseHostVethIsNotThereYetIsPendingNotAnError() {
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(withPod("198.19.0.5", "weftaaaaaaaaaaa"));
        ReconcileResult res = r.reconcile();
        assertThat(res.errors()).isEmpty();
        assertThat(res.pending()).isEqualTo(1);
    }

    @Test
    void identicalForeignRouteOnAPodAddressIsAConflictNotTolerated() throws Exception {
        int idx = veth("weftaaaaaaaaaaa");
        Route foreign = podRoute("198.19.0.5", idx, Rtnl.RTPROT_BOOT); // what `ip route add ... dev X scope link` makes
        nl.addRoute(foreign, false);
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(withPod("198.19.0.5", "weftaaaaaaaaaaa"));
        ReconcileResult res = r.reconcile();
        assertThat(res.errors())
                .singleElement()
                .asString()
                .contains("198.19.0.5/32")
                .contains("pod on weftaaaaaaaaaaa")
                .contains("not owned by Weft")
                .contains("proto 3")
                .contains("ip route del 198.19.0.5/32 proto 3");
        assertThat(res.added(EntryKind.ROUTE)).isZero();
        assertThat(nl.routes(Rtnl.AF_INET)).containsExactly(foreign);
        assertThat(r.status().routes())
                .singleElement()
                .satisfies(s -> assertThat(s.installed()).isFalse());
        assertThat(r.counters().entries(EntryKind.ROUTE)).isZero();

        // once the operator removes it, Weft installs its own
        nl.deleteRoute(foreign);
        assertThat(r.reconcile().added(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(nl.routes(Rtnl.AF_INET)).containsExactly(podRoute("198.19.0.5", idx, cfg.routeProtocol()));
    }

    @Test
    void foreignRouteOnAPodAddressThroughAnotherDeviceIsAConflict() throws Exception {
        veth("weftaaaaaaaaaaa");
        int other = veth("weftbbbbbbbbbbb");
        nl.addRoute(podRoute("198.19.0.5", other, Rtnl.RTPROT_STATIC), false);
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(withPod("198.19.0.5", "weftaaaaaaaaaaa"));
        assertThat(r.reconcile().errors())
                .singleElement()
                .asString()
                .contains("198.19.0.5/32")
                .contains("not owned by Weft");
        assertThat(nl.routes(Rtnl.AF_INET))
                .singleElement()
                .satisfies(x -> assertThat(x.outputIndex()).isEqualTo(other));
    }

    @Test
    void podRouteAnEarlierPlumberMadeIsTakenOver() throws Exception {
        int idx = veth("weftaaaaaaaaaaa");
        nl.addRoute(podRoute("198.19.0.5", idx, Rtnl.RTPROT_STATIC), false); // proto static, on the pod's own veth
        Reconciler r = new Reconciler(nl, cfg);
        r.setDesired(withPod("198.19.0.5", "weftaaaaaaaaaaa"));
        ReconcileResult res = r.reconcile();
        assertThat(res.errors()).isEmpty();
        assertThat(res.added(EntryKind.ROUTE)).isEqualTo(1);
        assertThat(nl.routes(Rtnl.AF_INET)).containsExactly(podRoute("198.19.0.5", idx, cfg.routeProtocol()));
        assertThat(r.reconcile().totalChanges()).isZero();
    }
}
