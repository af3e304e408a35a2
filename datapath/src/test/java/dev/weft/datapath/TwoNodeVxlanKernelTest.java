package dev.weft.datapath;

import static dev.weft.datapath.testing.TestNetns.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.datapath.ClusterView.LocalNode;
import dev.weft.datapath.ClusterView.LocalPod;
import dev.weft.datapath.ClusterView.RemotePeer;
import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Neighbour;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.datapath.nft.NftTable;
import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two "node" namespaces on a bridged underlay (192.0.2.0/24), each with a "pod" namespace, the
 * datapath programmed only by DesiredStateCalculator + Reconciler (+ NftTable). Pod-to-pod ping
 * works over VXLAN, stops when UDP 4789 is dropped (so it really is VXLAN), and works again in
 * host-gw mode with 4789 still dropped. Traffic leaving the cluster range is masqueraded;
 * pod-to-pod traffic keeps its source.
 */
@Tag("kernel")
class TwoNodeVxlanKernelTest {
    static final ThreadFactory PLATFORM = Thread.ofPlatform().daemon().factory();

    @TempDir
    Path state;

    record Node(
            String ns,
            String podNs,
            NetlinkNamespace nl,
            LocalNode local,
            Cidr range,
            IpAddress podIp,
            String hostVeth) {}

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static Node node(TestNetns t, String ul, int n, Path stateDir) throws Exception {
        return node(t, ul, n, stateDir, 0);
    }

    /** A node namespace n{n} on the underlay bridge, with one pod namespace p{n} whose veth has {@code podMtu} (0 = default). */
    static Node node(TestNetns t, String ul, int n, Path stateDir, int podMtu) throws Exception {
        String ns = t.create("n" + n);
        String pod = t.create("p" + n);
        in(ul, "ip", "link", "add", "ul" + n, "type", "veth", "peer", "name", "eth0", "netns", ns);
        in(ul, "ip", "link", "set", "ul" + n, "master", "br0", "up");
        NetlinkNamespace nl = NetlinkNamespace.open(TestNetns.path(ns), PLATFORM);
        Netlink host = nl.netlink();
        Link eth0 = host.link("eth0").orElseThrow();
        host.updateLink(new LinkUpdate(eth0.index()).up(true));
        host.addAddress(Address.of(eth0.index(), InetAddress.getByName("192.0.2.1" + n), 24), false);
        nl.writeSysctl("net/ipv4/ip_forward", "1");

        // pod plumbing as the CNI side does it (recipe of Netlink's javadoc)
        IpAddress podIp = ip("198.18." + n + ".5");
        String hostVeth = "weftpod" + n;
        Link hostEnd = host.createLink(new LinkSpec.Veth(hostVeth, "eth0", podMtu, null, null, TestNetns.path(pod)));
        host.updateLink(new LinkUpdate(hostEnd.index()).up(true));
        try (NetlinkNamespace p = NetlinkNamespace.open(TestNetns.path(pod), PLATFORM)) {
            Netlink pn = p.netlink();
            Link pe = pn.link("eth0").orElseThrow();
            pn.updateLink(new LinkUpdate(pe.index()).up(true));
            pn.addAddress(Address.of(pe.index(), podIp.toInetAddress(), 32), false);
            InetAddress gw = InetAddress.getByName("169.254.1.1");
            pn.addRoute(
                    Route.builder()
                            .destination(gw, 32)
                            .outputIndex(pe.index())
                            .scope(Rtnl.RT_SCOPE_LINK)
                            .build(),
                    false);
            pn.addRoute(
                    Route.builder()
                            .defaultRoute(Rtnl.AF_INET)
                            .gateway(gw)
                            .outputIndex(pe.index())
                            .onlink(true)
                            .build(),
                    false);
            pn.addNeighbour(Neighbour.permanent(pe.index(), gw, hostEnd.mac()), true);
        }
        MacAddress mac = VtepMacStore.loadOrCreate(stateDir.resolve("n" + n), new Random(n));
        LocalNode local = new LocalNode("node" + n, ip("192.0.2.1" + n), "eth0", 1500, mac, ip("198.18." + n + ".1"));
        return new Node(ns, pod, nl, local, Cidr.parse("198.18." + n + ".0/24"), podIp, hostVeth);
    }

    static ClusterView viewOf(Node self, Node other) {
        RemotePeer peer = new RemotePeer(
                other.local().peerId(),
                other.local().underlayAddress(),
                other.local().vtepMac(),
                other.local().vtepAddress(),
                List.of(other.range()),
                true,
                Set.of(DatapathMode.VXLAN, DatapathMode.HOST_GW));
        return new ClusterView(self.local(), List.of(peer), List.of(new LocalPod(self.podIp(), self.hostVeth())));
    }

    static boolean ping(String fromNs, IpAddress to) {
        return TestNetns.execIn(fromNs, "ping", "-c", "1", "-W", "1", to.toString())
                        .exit()
                == 0;
    }

    /** Ping with a few tries (first packets may be lost while neighbours resolve); fails after 5 s naming {@code what}. */
    static void awaitPing(String fromNs, IpAddress to, String what) {
        await(what + " (" + fromNs + " pings " + to + ")")
                .atMost(Duration.ofSeconds(5))
                .pollInSameThread()
                .until(() -> ping(fromNs, to));
    }

    @Test
    void podToPodOverVxlanThenBlockedThenHostGw() throws Exception {
        try (TestNetns t = new TestNetns()) {
            String ul = t.create("ul");
            in(ul, "ip", "link", "add", "br0", "type", "bridge");
            in(ul, "ip", "link", "set", "br0", "up");
            Node n1 = node(t, ul, 1, state);
            Node n2 = node(t, ul, 2, state);
            try {
                DatapathConfig vx = DatapathConfig.defaults().withVni(4711);
                Reconciler r1 = new Reconciler(n1.nl().netlink(), vx);
                Reconciler r2 = new Reconciler(n2.nl().netlink(), vx);
                r1.setDesired(DesiredStateCalculator.compute(vx, viewOf(n1, n2)));
                r2.setDesired(DesiredStateCalculator.compute(vx, viewOf(n2, n1)));
                assertThat(r1.reconcile().errors()).isEmpty();
                assertThat(r2.reconcile().errors()).isEmpty();
                NftTable nft1 = new NftTable(List.of("ip", "netns", "exec", n1.ns(), "nft"));
                nft1.setClusterRanges(List.of(Cidr.parse("198.18.0.0/15")));
                assertThat(nft1.reconcile()).isTrue();

                // observer on node 2: count forwarded packets from pod 1; drop pings to node 2 itself from pod 1's
                // address
                in(
                        n2.ns(),
                        "nft",
                        "add table inet obs; "
                                + "add chain inet obs cfwd { type filter hook forward priority -10; policy accept; }; "
                                + "add rule inet obs cfwd ip saddr 198.18.1.5 counter; "
                                + "add chain inet obs cinp { type filter hook input priority -10; policy accept; }; "
                                + "add rule inet obs cinp ip saddr 198.18.1.5 icmp type echo-request drop; "
                                // VXLAN header on the wire: flags byte 0x08 (VNI valid) and VNI 4711 (bits 96..119
                                // after the UDP header)
                                + "add rule inet obs cinp udp dport 4789 @th,64,8 0x08 @th,96,24 4711 counter; "
                                + "add rule inet obs cinp udp dport 4789 @th,96,24 != 4711 counter");

                awaitPing(n1.podNs(), n2.podIp(), "pod1 -> pod2 over VXLAN");
                assertThat(ping(n2.podNs(), n1.podIp()))
                        .as("pod2 -> pod1 over VXLAN")
                        .isTrue();
                assertThat(in(n2.ns(), "nft", "list", "chain", "inet", "obs", "cfwd"))
                        .as("pod-to-pod keeps its source")
                        .containsPattern("counter packets [1-9]");
                String wire = in(n2.ns(), "nft", "list", "chain", "inet", "obs", "cinp");
                assertThat(wire)
                        .as("underlay carries VXLAN with VNI 4711")
                        .containsPattern("@th,96,24 0x1267 counter packets [1-9]"); // nft lists 4711 in hex
                assertThat(wire).as("no VXLAN with another VNI").containsPattern("!= 0x1267 counter packets 0 ");

                // leaving the cluster range: masqueraded to node 1's underlay address, so node 2's drop rule doesn't
                // see 198.18.1.5
                awaitPing(n1.podNs(), ip("192.0.2.12"), "pod1 -> node2 underlay, masqueraded");

                // block VXLAN's UDP port on node 2: pod-to-pod must stop
                in(
                        n2.ns(),
                        "nft",
                        "add table inet blk; "
                                + "add chain inet blk cinp { type filter hook input priority -20; policy accept; }; "
                                + "add rule inet blk cinp udp dport 4789 drop");
                assertThat(ping(n1.podNs(), n2.podIp()))
                        .as("blocked 4789 breaks the VXLAN path")
                        .isFalse();
                assertThat(in(n2.ns(), "nft", "list", "table", "inet", "blk")).containsPattern("drop");

                // host-gw: plain routes over the underlay work with 4789 still blocked
                DatapathConfig hg = vx.withDirectRouting(true);
                Reconciler h1 = new Reconciler(n1.nl().netlink(), hg);
                Reconciler h2 = new Reconciler(n2.nl().netlink(), hg);
                h1.setDesired(DesiredStateCalculator.compute(hg, viewOf(n1, n2)));
                h2.setDesired(DesiredStateCalculator.compute(hg, viewOf(n2, n1)));
                ReconcileResult s1 = h1.reconcile();
                assertThat(s1.errors()).isEmpty();
                // the peer's VXLAN neighbour and FDB entry stay (the path probes cross the VXLAN device)
                assertThat(s1.removed(EntryKind.FDB)).isZero();
                assertThat(s1.removed(EntryKind.NEIGHBOUR)).isZero();
                assertThat(h2.reconcile().errors()).isEmpty();
                assertThat(in(n1.ns(), "ip", "route", "show", "198.18.2.0/24")).contains("via 192.0.2.12 dev eth0");
                awaitPing(n1.podNs(), n2.podIp(), "pod1 -> pod2 over host-gw");
            } finally {
                n1.nl().close();
                n2.nl().close();
            }
        }
    }
}
