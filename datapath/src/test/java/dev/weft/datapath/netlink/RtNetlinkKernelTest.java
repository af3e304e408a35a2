package dev.weft.datapath.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.weft.datapath.testing.TestNetns;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every netlink operation against the real kernel, inside the test's own namespaces. */
@Tag("kernel")
class RtNetlinkKernelTest {
    static final ThreadFactory PLATFORM = Thread.ofPlatform().daemon().factory();

    TestNetns netns;
    String a;
    String b;
    NetlinkNamespace nsA;

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @BeforeEach
    void setUp() {
        netns = new TestNetns();
        a = netns.create("a");
        b = netns.create("b");
        nsA = NetlinkNamespace.open(TestNetns.path(a), PLATFORM);
    }

    @AfterEach
    void tearDown() {
        if (nsA != null) nsA.close();
        netns.close();
    }

    @Test
    void namespaceOpenFailsTypedForMissingNamespace() {
        assertThatThrownBy(() -> NetlinkNamespace.open(Path.of("/run/netns/wftdp-does-not-exist"), PLATFORM))
                .isInstanceOf(NetlinkException.class)
                .satisfies(e -> assertThat(((NetlinkException) e).errnoName()).isEqualTo("ENOENT"));
    }

    @Test
    void virtualThreadFactoryIsRefused() {
        assertThatThrownBy(() -> NetlinkNamespace.open(
                        TestNetns.path(a), Thread.ofVirtual().factory()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("platform thread");
    }

    @Test
    void bridgeVethVxlanLifecycle() throws Exception {
        Netlink nl = nsA.netlink();
        Link br = nl.createLink(new LinkSpec.Bridge("wbr0", 0, null));
        assertThat(br.kind()).isEqualTo("bridge");
        assertThat(br.index()).isPositive();

        MacAddress vethMac = MacAddress.parse("02:00:00:00:00:aa");
        Link veth = nl.createLink(new LinkSpec.Veth("wv0", "wv0p", 1400, vethMac, null, null));
        assertThat(veth.kind()).isEqualTo("veth");
        assertThat(veth.mtu()).isEqualTo(1400);
        assertThat(veth.mac()).isEqualTo(vethMac);
        assertThat(nl.link("wv0p")).isPresent();

        nl.updateLink(new LinkUpdate(veth.index())
                .master(br.index())
                .up(true)
                .mtu(1300)
                .mac(MacAddress.parse("02:00:00:00:00:bb")));
        Link changed = nl.link(veth.index()).orElseThrow();
        assertThat(changed.masterIndex()).isEqualTo(br.index());
        assertThat(changed.isUp()).isTrue();
        assertThat(changed.mtu()).isEqualTo(1300);
        assertThat(changed.mac()).isEqualTo(MacAddress.parse("02:00:00:00:00:bb"));
        assertThat(TestNetns.in(a, "ip", "link", "show", "wv0"))
                .contains("master wbr0")
                .contains("mtu 1300");

        nl.addAddress(Address.of(br.index(), ip("192.0.2.10"), 24), false);
        MacAddress vxMac = MacAddress.parse("02:57:00:00:00:01");
        Link vx = nl.createLink(new LinkSpec.Vxlan(
                "weft.vxlan",
                4242,
                4789,
                ip("192.0.2.10"),
                br.index(),
                false,
                1200,
                vxMac)); // must fit under the underlay's MTU (bridge follows its port: 1300) minus 50
        assertThat(vx.kind()).isEqualTo("vxlan");
        assertThat(vx.mac()).isEqualTo(vxMac);
        assertThat(vx.mtu()).isEqualTo(1200);
        assertThat(vx.vxlan()).isEqualTo(new VxlanInfo(4242, 4789, ip("192.0.2.10"), br.index(), false));
        String shown = TestNetns.in(a, "ip", "-d", "link", "show", "weft.vxlan");
        assertThat(shown)
                .contains("vxlan id 4242")
                .contains("local 192.0.2.10")
                .contains("dev wbr0")
                .contains("dstport 4789")
                .contains("nolearning");

        assertThat(nl.links()).extracting(Link::name).contains("lo", "wbr0", "wv0", "wv0p", "weft.vxlan");

        NetlinkException dup = org.junit.jupiter.api.Assertions.assertThrows(
                NetlinkException.class, () -> nl.createLink(new LinkSpec.Bridge("wbr0", 0, null)));
        assertThat(dup.errnoName()).isEqualTo("EEXIST");
        assertThat(dup.isExists()).isTrue();
        assertThat(dup.getMessage()).contains("RTM_NEWLINK wbr0 type bridge").contains("EEXIST");

        nl.deleteLink(vx.index());
        nl.deleteLink(veth.index());
        assertThat(nl.link("weft.vxlan")).isEmpty();
        assertThat(nl.link("wv0p")).isEmpty(); // deleting one end removes the pair
        NetlinkException gone =
                org.junit.jupiter.api.Assertions.assertThrows(NetlinkException.class, () -> nl.deleteLink(vx.index()));
        assertThat(gone.isNotFound()).isTrue();
    }

    @Test
    void addressesAddDumpDelete() throws Exception {
        Netlink nl = nsA.netlink();
        Link br = nl.createLink(new LinkSpec.Bridge("wbr1", 0, null));
        Address addr = Address.of(br.index(), ip("198.51.100.7"), 24);
        nl.addAddress(addr, false);
        assertThat(nl.addresses(Rtnl.AF_INET)).anySatisfy(x -> {
            assertThat(x.address()).isEqualTo(ip("198.51.100.7"));
            assertThat(x.prefixLength()).isEqualTo(24);
            assertThat(x.index()).isEqualTo(br.index());
            assertThat(x.label()).isEqualTo("wbr1");
        });
        assertThat(TestNetns.in(a, "ip", "addr", "show", "wbr1")).contains("inet 198.51.100.7/24");
        nl.addAddress(addr, true); // replace is idempotent
        assertThatThrownBy(() -> nl.addAddress(addr, false))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("EEXIST");
        nl.deleteAddress(addr);
        assertThat(nl.addresses(Rtnl.AF_INET)).noneMatch(x -> x.address().equals(addr.address()));
    }

    @Test
    void ipv6AddressesAreUsableAtOnceWithoutDuplicateAddressDetection() throws Exception {
        Netlink nl = nsA.netlink();
        Link br = nl.createLink(new LinkSpec.Bridge("wbr6", 0, null));
        nl.updateLink(new LinkUpdate(br.index()).up(true));
        nl.addAddress(Address.of(br.index(), ip("2001:db8:18::1"), 128), true);
        // without IFA_F_NODAD the address would be "tentative" for about a second (DAD), unusable as a source
        String line = TestNetns.in(a, "ip", "-6", "addr", "show", "dev", "wbr6")
                .lines()
                .filter(l -> l.contains("inet6 2001:db8:18::1/128"))
                .findFirst()
                .orElseThrow();
        assertThat(line).contains("nodad").doesNotContain("tentative");
    }

    @Test
    void routesOnlinkScopeTableProtocolReplace() throws Exception {
        Netlink nl = nsA.netlink();
        Link br = nl.createLink(new LinkSpec.Bridge("wbr2", 0, null));
        nl.updateLink(new LinkUpdate(br.index()).up(true));
        nl.addAddress(Address.of(br.index(), ip("192.0.2.1"), 24), false);

        Route onlink = Route.builder()
                .destination(ip("198.18.4.0"), 26)
                .gateway(ip("198.18.9.1"))
                .outputIndex(br.index())
                .onlink(true)
                .protocol(87)
                .build();
        nl.addRoute(onlink, false);
        assertThat(TestNetns.in(a, "ip", "route", "show", "198.18.4.0/26"))
                .contains("via 198.18.9.1 dev wbr2")
                .contains("proto 87")
                .contains("onlink");
        List<Route> mine =
                nl.routes(Rtnl.AF_INET).stream().filter(r -> r.protocol() == 87).toList();
        assertThat(mine).hasSize(1);
        Route got = mine.getFirst();
        assertThat(got.destination()).isEqualTo(ip("198.18.4.0"));
        assertThat(got.prefixLength()).isEqualTo(26);
        assertThat(got.gateway()).isEqualTo(ip("198.18.9.1"));
        assertThat(got.onlink()).isTrue();
        assertThat(got.table()).isEqualTo(Rtnl.RT_TABLE_MAIN);

        // replace: same prefix, other gateway
        nl.addRoute(onlink.toBuilder().gateway(ip("192.0.2.99")).onlink(false).build(), true);
        assertThat(TestNetns.in(a, "ip", "route", "show", "198.18.4.0/26")).contains("via 192.0.2.99");
        assertThatThrownBy(() -> nl.addRoute(onlink, false)).hasMessageContaining("EEXIST");

        // link-scope route and a route in another table
        Route link = Route.builder()
                .destination(ip("198.18.5.5"), 32)
                .outputIndex(br.index())
                .scope(Rtnl.RT_SCOPE_LINK)
                .protocol(87)
                .build();
        nl.addRoute(link, false);
        assertThat(TestNetns.in(a, "ip", "route", "show", "198.18.5.5"))
                .contains("dev wbr2")
                .contains("scope link");
        Route t100 = Route.builder()
                .defaultRoute(Rtnl.AF_INET)
                .gateway(ip("192.0.2.254"))
                .outputIndex(br.index())
                .table(1000)
                .protocol(87)
                .build();
        nl.addRoute(t100, false);
        assertThat(TestNetns.in(a, "ip", "route", "show", "table", "1000")).contains("default via 192.0.2.254");
        assertThat(nl.routes(Rtnl.AF_INET)).anyMatch(r -> r.table() == 1000 && r.destination() == null);

        for (Route r : nl.routes(Rtnl.AF_INET)) {
            if (r.protocol() == 87) nl.deleteRoute(r);
        }
        assertThat(nl.routes(Rtnl.AF_INET)).noneMatch(r -> r.protocol() == 87);
        NetlinkException e =
                org.junit.jupiter.api.Assertions.assertThrows(NetlinkException.class, () -> nl.deleteRoute(link));
        assertThat(e.errnoName()).isEqualTo("ESRCH");
        assertThat(e.isNotFound()).isTrue();
    }

    @Test
    void neighboursAndVxlanFdb() throws Exception {
        Netlink nl = nsA.netlink();
        Link br = nl.createLink(new LinkSpec.Bridge("wbr3", 0, null));
        nl.addAddress(Address.of(br.index(), ip("192.0.2.3"), 24), false);
        nl.updateLink(new LinkUpdate(br.index()).up(true));
        Link vx = nl.createLink(new LinkSpec.Vxlan("weft.vxlan", 1, 4789, ip("192.0.2.3"), br.index(), false, 0, null));
        nl.updateLink(new LinkUpdate(vx.index()).up(true));

        MacAddress peerMac = MacAddress.parse("02:57:00:00:00:02");
        Neighbour neigh = Neighbour.permanent(vx.index(), ip("198.18.0.64"), peerMac);
        nl.addNeighbour(neigh, true);
        Neighbour fdb = Neighbour.vxlanFdb(vx.index(), peerMac, ip("192.0.2.4"));
        nl.addNeighbour(fdb, true);

        assertThat(TestNetns.in(a, "ip", "neigh", "show", "dev", "weft.vxlan"))
                .contains("198.18.0.64 lladdr 02:57:00:00:00:02 PERMANENT");
        assertThat(TestNetns.in(a, "bridge", "fdb", "show", "dev", "weft.vxlan"))
                .contains("02:57:00:00:00:02 dst 192.0.2.4 self permanent");

        assertThat(nl.neighbours(Rtnl.AF_INET)).anySatisfy(n -> {
            assertThat(n.index()).isEqualTo(vx.index());
            assertThat(n.destination()).isEqualTo(ip("198.18.0.64"));
            assertThat(n.lladdr()).isEqualTo(peerMac);
            assertThat(n.isPermanent()).isTrue();
        });
        assertThat(nl.neighbours(Rtnl.AF_BRIDGE)).anySatisfy(n -> {
            assertThat(n.index()).isEqualTo(vx.index());
            assertThat(n.destination()).isEqualTo(ip("192.0.2.4"));
            assertThat(n.lladdr()).isEqualTo(peerMac);
            assertThat(n.flags() & Rtnl.NTF_SELF).isNotZero();
        });

        // replace moves the FDB entry to another VTEP
        nl.addNeighbour(Neighbour.vxlanFdb(vx.index(), peerMac, ip("192.0.2.5")), true);
        assertThat(TestNetns.in(a, "bridge", "fdb", "show", "dev", "weft.vxlan"))
                .contains("dst 192.0.2.5")
                .doesNotContain("dst 192.0.2.4");

        nl.deleteNeighbour(neigh);
        nl.deleteNeighbour(Neighbour.vxlanFdb(vx.index(), peerMac, ip("192.0.2.5")));
        assertThat(nl.neighbours(Rtnl.AF_INET)).noneMatch(n -> n.index() == vx.index() && n.isPermanent());
        assertThat(nl.neighbours(Rtnl.AF_BRIDGE)).noneMatch(n -> peerMac.equals(n.lladdr()));
    }

    @Test
    void eventsForLinkRouteAndNeighbour() throws Exception {
        Netlink nl = nsA.netlink();
        try (NetlinkEvents events = nsA.subscribe()) {
            Link br = nl.createLink(new LinkSpec.Bridge("wbr4", 0, null));
            nl.updateLink(new LinkUpdate(br.index()).up(true));
            nl.addAddress(Address.of(br.index(), ip("192.0.2.40"), 24), false);
            nl.addRoute(
                    Route.builder()
                            .destination(ip("198.18.40.0"), 24)
                            .gateway(ip("192.0.2.41"))
                            .outputIndex(br.index())
                            .protocol(87)
                            .build(),
                    false);
            nl.addNeighbour(
                    Neighbour.permanent(br.index(), ip("192.0.2.41"), MacAddress.parse("02:00:00:00:04:01")), true);
            nl.deleteLink(br.index());

            List<NetlinkEvent> seen = new ArrayList<>();
            await("link removal, route and neighbour events")
                    .atMost(Duration.ofSeconds(5))
                    .pollInSameThread()
                    .untilAsserted(() -> {
                        seen.addAll(events.poll(0));
                        assertThat(seen)
                                .as("events seen")
                                .anyMatch(e -> e instanceof NetlinkEvent.LinkEvent l
                                        && l.removed()
                                        && "wbr4".equals(l.link().name()));
                        assertThat(seen)
                                .as("events seen")
                                .anyMatch(e -> e instanceof NetlinkEvent.RouteEvent r
                                        && !r.removed()
                                        && r.route().protocol() == 87);
                        assertThat(seen)
                                .as("events seen")
                                .anyMatch(e -> e instanceof NetlinkEvent.NeighbourEvent n
                                        && !n.removed()
                                        && MacAddress.parse("02:00:00:00:04:01")
                                                .equals(n.neighbour().lladdr()));
                    });
            assertThat(seen)
                    .anyMatch(e -> e instanceof NetlinkEvent.LinkEvent l
                            && !l.removed()
                            && "wbr4".equals(l.link().name()));
        }
    }

    @Test
    void sysctlInsideNamespace() {
        // a new namespace copies ip_forward from the host's, which may be 1: start both from 0
        TestNetns.in(a, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        TestNetns.in(b, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        nsA.writeSysctl("net/ipv4/ip_forward", "1");
        assertThat(nsA.readSysctl("net/ipv4/ip_forward")).isEqualTo("1");
        assertThat(TestNetns.in(a, "cat", "/proc/sys/net/ipv4/ip_forward").trim())
                .isEqualTo("1");
        assertThat(TestNetns.in(b, "cat", "/proc/sys/net/ipv4/ip_forward").trim())
                .isEqualTo("0");
    }

    /** The CNI recipe documented on {@link Netlink}: veth peer created directly in the pod namespace. */
    @Test
    void podPlumbingRecipe() throws Exception {
        Netlink host = nsA.netlink();
        Link hostEnd = host.createLink(new LinkSpec.Veth("weftabc123", "eth0", 1450, null, null, TestNetns.path(b)));
        assertThat(host.link("eth0")).isEmpty();
        host.updateLink(new LinkUpdate(hostEnd.index()).up(true));
        host.addAddress(Address.of(hostEnd.index(), ip("192.0.2.1"), 32), false);
        InetAddress podIp = ip("198.18.0.5");
        host.addRoute(
                Route.builder()
                        .destination(podIp, 32)
                        .outputIndex(hostEnd.index())
                        .scope(Rtnl.RT_SCOPE_LINK)
                        .build(),
                true);

        try (NetlinkNamespace pod = NetlinkNamespace.open(TestNetns.path(b), PLATFORM)) {
            Netlink p = pod.netlink();
            Link eth0 = p.link("eth0").orElseThrow();
            assertThat(eth0.mtu()).isEqualTo(1450);
            p.updateLink(new LinkUpdate(eth0.index()).name("eth1").up(true));
            eth0 = p.link("eth1").orElseThrow();
            p.addAddress(Address.of(eth0.index(), podIp, 32), true);
            InetAddress gw = ip("169.254.1.1");
            p.addRoute(
                    Route.builder()
                            .destination(gw, 32)
                            .outputIndex(eth0.index())
                            .scope(Rtnl.RT_SCOPE_LINK)
                            .build(),
                    true);
            p.addRoute(
                    Route.builder()
                            .defaultRoute(Rtnl.AF_INET)
                            .gateway(gw)
                            .outputIndex(eth0.index())
                            .onlink(true)
                            .build(),
                    true);
            p.addNeighbour(Neighbour.permanent(eth0.index(), gw, hostEnd.mac()), true);
        }
        assertThat(TestNetns.in(b, "ip", "route"))
                .contains("default via 169.254.1.1 dev eth1")
                .contains("169.254.1.1 dev eth1");
        assertThat(TestNetns.in(b, "ip", "neigh"))
                .contains("169.254.1.1 dev eth1 lladdr " + hostEnd.mac() + " PERMANENT");
        TestNetns.Result ping = TestNetns.execIn(a, "ping", "-c", "1", "-W", "2", podIp.getHostAddress());
        assertThat(ping.exit()).as(ping.out()).isZero();

        host.deleteLink(hostEnd.index());
        assertThat(TestNetns.in(b, "ip", "link")).doesNotContain("eth1");
    }
}
