package dev.weft.datapath;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class UnderlayTest {
    @Test
    void detectsByAddressOrDefaultRoute() throws Exception {
        InMemoryNetlink nl = new InMemoryNetlink();
        var eth0 = nl.createLink(new LinkSpec.Bridge("eth0", 9000, null));
        var eth1 = nl.createLink(new LinkSpec.Bridge("eth1", 1500, null));
        nl.updateLink(new LinkUpdate(eth0.index()).up(true));
        nl.updateLink(new LinkUpdate(eth1.index()).up(true));
        nl.addAddress(Address.of(eth0.index(), InetAddress.getByName("192.0.2.10"), 24), false);
        nl.addAddress(Address.of(eth1.index(), InetAddress.getByName("198.51.100.10"), 25), false);
        nl.addRoute(Route.builder().defaultRoute(Rtnl.AF_INET).gateway(InetAddress.getByName("198.51.100.1"))
                .outputIndex(eth1.index()).build(), false);

        Underlay byAddr = Underlay.detect(nl, IpAddress.parse("192.0.2.10")).orElseThrow();
        assertThat(byAddr).isEqualTo(new Underlay("eth0", 9000, IpAddress.parse("192.0.2.10"), Cidr.parse("192.0.2.0/24")));
        assertThat(byAddr.sameL2(IpAddress.parse("192.0.2.200"))).isTrue();
        assertThat(byAddr.sameL2(IpAddress.parse("198.51.100.20"))).isFalse();

        Underlay byDefault = Underlay.detect(nl, null).orElseThrow();
        assertThat(byDefault.interfaceName()).isEqualTo("eth1");
        assertThat(byDefault.subnet()).isEqualTo(Cidr.parse("198.51.100.0/25"));
        assertThat(byDefault.sameL2(IpAddress.parse("198.51.100.200"))).isFalse();

        assertThat(Underlay.detect(nl, IpAddress.parse("203.0.113.1"))).isEmpty();
    }
}
