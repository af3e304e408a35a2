package dev.weft.datapath.sleeve;

import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel routes that send a sleeve peer's traffic into the TUN device: one per CIDR of its
 * ranges plus its VTEP address as a /32, each {@code dev <tun> scope link} (a TUN device is L3,
 * so no gateway or neighbour is involved). Pure; the reconciler applies them.
 */
public final class SleeveRoutes {
    private SleeveRoutes() {}

    public static List<Route> forPeer(SleevePeer peer, int tunIndex) {
        List<Route> out = new ArrayList<>(peer.cidrs().size() + 1);
        out.add(route(Cidr.host(peer.vtepAddress()), tunIndex));
        for (Cidr c : peer.cidrs()) out.add(route(c, tunIndex));
        return out;
    }

    static Route route(Cidr c, int tunIndex) {
        return Route.builder()
                .destination(c.network().toInetAddress(), c.prefixLength())
                .outputIndex(tunIndex)
                .scope(Rtnl.RT_SCOPE_LINK)
                .build();
    }
}
