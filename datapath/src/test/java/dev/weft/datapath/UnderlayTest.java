package dev.weft.datapath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UnderlayTest {
    InMemoryNetlink nl;

    @BeforeEach
    void setUp() {
        nl = new InMemoryNetlink();
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    Link link(String name, int mtu) {
        Link l = nl.createLink(new LinkSpec.Bridge(name, mtu, null));
        nl.updateLink(new LinkUpdate(l.index()).up(true));
        return l;
    }

    void addr(Link l, String ip, int prefix) throws Exception {
        nl.addAddress(Address.of(l.index(), InetAddress.getByName(ip), prefix), false);
    }

    void defaultRoute(int family, Link l, String gw, int metric) throws Exception {
        nl.addRoute(
                Route.builder()
                        .defaultRoute(family)
                        .gateway(InetAddress.getByName(gw))
                        .outputIndex(l.index())
                        .priority(metric)
                        .build(),
                false);
    }

    @Test
    void byAdvertiseAddress() throws Exception {
        Link eth0 = link("eth0", 9000);
        Link eth1 = link("eth1", 1500);
        addr(eth0, "192.0.2.10", 24);
        addr(eth1, "198.51.100.10", 25);
        defaultRoute(Rtnl.AF_INET, eth1, "198.51.100.1", 0);

        Underlay u = Underlay.detect(nl, ip("192.0.2.10"), null, "weft.vxlan");
        assertThat(u).isEqualTo(new Underlay(ip("192.0.2.10"), "eth0", eth0.index(), 9000, Cidr.parse("192.0.2.0/24")));
        assertThat(u.prefixLength()).isEqualTo(24);
    }

    @Test
    void advertiseAddressNotOnThisNodeIsExplained() throws Exception {
        addr(link("eth0", 1500), "192.0.2.10", 24);
        assertThatThrownBy(() -> Underlay.detect(nl, ip("203.0.113.1"), null, null))
                .isInstanceOf(Underlay.NotFound.class)
                .hasMessageContaining("--advertise-address 203.0.113.1 is not assigned")
                .hasMessageContaining("192.0.2.10");
    }

    @Test
    void byInterfaceNamePrefersIpv4() throws Exception {
        Link eth0 = link("eth0", 1500);
        Link eth1 = link("eth1", 1400);
        addr(eth0, "192.0.2.10", 24);
        addr(eth1, "2001:db8::10", 64);
        addr(eth1, "198.51.100.10", 25);
        defaultRoute(Rtnl.AF_INET, eth0, "192.0.2.1", 0);

        Underlay u = Underlay.detect(nl, null, "eth1", null);
        assertThat(u.interfaceName()).isEqualTo("eth1");
        assertThat(u.address()).isEqualTo(ip("198.51.100.10"));
        assertThat(u.mtu()).isEqualTo(1400);

        assertThatThrownBy(() -> Underlay.detect(nl, null, "eth9", null))
                .hasMessageContaining("--underlay-interface eth9 does not exist");
        link("eth2", 1500);
        assertThatThrownBy(() -> Underlay.detect(nl, null, "eth2", null))
                .hasMessageContaining("eth2 has no global IPv4 or IPv6");
    }

    @Test
    void byTheIpv4DefaultRouteWithTheLowestMetric() throws Exception {
        Link eth0 = link("eth0", 1500);
        Link eth1 = link("eth1", 1500);
        addr(eth0, "192.0.2.10", 24);
        addr(eth1, "198.51.100.10", 25);
        defaultRoute(Rtnl.AF_INET, eth0, "192.0.2.1", 200);
        defaultRoute(Rtnl.AF_INET, eth1, "198.51.100.1", 100);

        Underlay u = Underlay.detect(nl, null, null, "weft.vxlan");
        assertThat(u.interfaceName()).isEqualTo("eth1");
        assertThat(u.subnet()).isEqualTo(Cidr.parse("198.51.100.0/25"));
    }

    @Test
    void withoutDefaultRouteTheFirstAddressNotOnWeftsOwnDevices() throws Exception {
        Link vxlan = link("weft.vxlan", 1450);
        Link veth = link("weft0123456789a", 1500);
        Link eth0 = link("eth0", 1500);
        Link lo = nl.link("lo").orElseThrow();
        addr(lo, "127.0.0.1", 8);
        addr(vxlan, "10.32.0.1", 32);
        addr(veth, "10.40.0.1", 32);
        addr(eth0, "169.254.7.7", 16); // link-local: never the underlay
        addr(eth0, "192.0.2.10", 24);

        Underlay u = Underlay.detect(nl, null, null, "weft.vxlan");
        assertThat(u.interfaceName()).isEqualTo("eth0");
        assertThat(u.address()).isEqualTo(ip("192.0.2.10"));
    }

    @Test
    void ipv6OnlyNode() throws Exception {
        Link eth0 = link("eth0", 1500);
        addr(eth0, "fe80::1", 64);
        addr(eth0, "2001:db8:0:1::10", 64);
        defaultRoute(Rtnl.AF_INET6, eth0, "2001:db8:0:1::1", 0);

        Underlay u = Underlay.detect(nl, null, null, null);
        assertThat(u.address()).isEqualTo(ip("2001:db8:0:1::10"));
        assertThat(u.subnet()).isEqualTo(Cidr.parse("2001:db8:0:1::/64"));
        assertThat(u.sameL2(ip("2001:db8:0:1::20"))).isTrue();
        assertThat(u.sameL2(ip("2001:db8:0:2::20"))).isFalse();
        assertThat(u.sameL2(ip("192.0.2.20"))).isFalse();
        assertThat(Underlay.detect(nl, ip("2001:db8:0:1::10"), null, null)).isEqualTo(u);
    }

    @Test
    void nothingUsableIsExplained() throws Exception {
        Link lo = nl.link("lo").orElseThrow();
        addr(lo, "127.0.0.1", 8);
        addr(link("weft.vxlan", 1450), "10.32.0.1", 32);
        assertThatThrownBy(() -> Underlay.detect(nl, null, null, "weft.vxlan"))
                .isInstanceOf(Underlay.NotFound.class)
                .hasMessageContaining("set --advertise-address");
    }

    @Test
    void sameL2ComparesAddressesNotStrings() {
        Underlay u = new Underlay(ip("192.0.2.10"), "eth0", 2, 1500, Cidr.parse("192.0.2.0/24"));
        assertThat(u.sameL2(ip("192.0.2.200"))).isTrue();
        assertThat(u.sameL2(ip("192.0.3.1"))).isFalse();
        assertThat(u.sameL2(ip("2001:db8::1"))).as("other family").isFalse();
        assertThat(u.sameL2(null)).isFalse();
        assertThat(u.sameL2(u.address())).as("this node itself").isFalse();
        // membership follows the prefix length, not a textual subnet
        Underlay narrow = new Underlay(ip("192.0.2.10"), "eth0", 2, 1500, Cidr.parse("192.0.2.0/25"));
        assertThat(narrow.sameL2(ip("192.0.2.100"))).isTrue();
        assertThat(narrow.sameL2(ip("192.0.2.200"))).isFalse();
    }

    @Test
    void addressMustBeInItsSubnet() {
        assertThatThrownBy(() -> new Underlay(ip("192.0.2.10"), "eth0", 2, 1500, Cidr.parse("198.51.100.0/24")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
