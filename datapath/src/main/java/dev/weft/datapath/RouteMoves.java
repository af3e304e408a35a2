package dev.weft.datapath;

import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.netlink.Errno;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import java.util.ArrayList;
import java.util.List;

/**
 * How the reconciler moves a route to another device when the kernel refuses a plain replace: a dual-stack peer
 * returning from the sleeve to VXLAN, whose IPv6 ranges go from {@code dev weft.sleeve} to {@code via <IPv6 VTEP> dev
 * weft.vxlan onlink} (found in the lab: the IPv6 ranges stayed on the sleeve after UDP 4789 was unblocked).
 */
final class RouteMoves {
    private RouteMoves() {}

    /**
     * The routes whose destination holds their own next hop first (a peer's range holding its VTEP address), in the
     * given order otherwise: the kernel checks an IPv6 onlink next hop against the routes already there (see {@link
     * #isIpv6OnlinkMove}), so a peer's other ranges can move to its VTEP only after the range holding it has.
     */
    static List<DesiredRoute> holdersOfTheirGatewayFirst(List<DesiredRoute> routes) {
        List<DesiredRoute> out = new ArrayList<>(routes.size());
        for (DesiredRoute r : routes) {
            if (r.gateway() != null && r.destination().contains(r.gateway())) out.add(r);
        }
        for (DesiredRoute r : routes) {
            if (r.gateway() == null || !r.destination().contains(r.gateway())) out.add(r);
        }
        return out;
    }

    /**
     * Whether a refused replace is the kernel's IPv6 onlink check: the next hop must not resolve through a route on
     * another device ("Nexthop has invalid gateway or device mismatch", EINVAL), and the range holding a peer's VTEP
     * still points at the old device (the sleeve) when the peer returns to VXLAN — that range's own replace is refused
     * too. IPv4 has no such check.
     */
    static boolean isIpv6OnlinkMove(NetlinkException e, Route have, Route want) {
        return e.errno() == Errno.EINVAL
                && want.family() == Rtnl.AF_INET6
                && want.gateway() != null
                && want.onlink()
                && have != null
                && have.outputIndex() != want.outputIndex();
    }

    /**
     * Deletes the old route and adds the new one (the old one no longer steers the next hop check); if the add still
     * fails the old route is put back, so the range stays routed, and the error goes up.
     */
    static void replaceByDeleteAndAdd(Netlink netlink, Route have, Route want) {
        netlink.deleteRoute(have);
        try {
            netlink.addRoute(want, true);
        } catch (NetlinkException e) {
            try {
                netlink.addRoute(have, true);
            } catch (NetlinkException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
    }
}
