package dev.weft.datapath.sleeve;

import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel routes that send a sleeve peer's traffic into the TUN device: one per CIDR of its
 * ranges (both families) plus its VTEP addresses as a /32 and /128, each {@code dev <tun>} (IPv4 with
 * {@code scope link}; the kernel keeps IPv6 routes at scope universe). A TUN device is L3, so no gateway
 * or neighbour is involved; IPv6 routes need IPv6 enabled on the device, which {@link SleeveBackend#start}
 * sees to. Pure; the agent's reconciler installs the equivalent routes for its peers.
 */
public final class SleeveRoutes {
    private SleeveRoutes() {}

    public static List<Route> forPeer(SleevePeer peer, int tunIndex) {
        List<Route> out = new ArrayList<>(peer.cidrs().size() + 2);
        out.add(route(Cidr.host(peer.vtepAddress()), tunIndex));
        if (peer.vtepAddressV6() != null) out.add(route(Cidr.host(peer.vtepAddressV6()), tunIndex));
        for (Cidr c : peer.cidrs()) out.add(route(c, tunIndex));
        return out;
    }

    static Route route(Cidr c, int tunIndex) {
        return Route.builder()
                .destination(c.network().toInetAddress(), c.prefixLength())
                .outputIndex(tunIndex)
                .scope(c.isIpv4() ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE)
                .build();
    }
}
