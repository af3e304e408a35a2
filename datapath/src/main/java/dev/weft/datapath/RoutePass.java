package dev.weft.datapath;

import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's route pass: every desired route is installed with Weft's protocol and table (moves ordered by
 * {@link RouteMoves}), routes of other owners in the way are reported and left alone, and Weft's routes that are no
 * longer desired are removed (unless the run keeps stale entries).
 */
final class RoutePass {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private RoutePass() {}

    static Cidr cidrOf(Route r) {
        try {
            IpAddress dst = r.destination() == null
                    ? IpAddress.parse(r.family() == Rtnl.AF_INET ? "0.0.0.0" : "::")
                    : IpAddress.of(r.destination());
            return Cidr.of(dst, r.prefixLength());
        } catch (RuntimeException e) {
            return null;
        }
    }

    static void reconcileRoutes(DesiredState d, Map<String, Link> byName, ReconcileRun run, Set<Cidr> installed) {
        Map<Cidr, Route> owned = new HashMap<>();
        Map<Cidr, Route> foreign = new HashMap<>();
        boolean anyV6 = d.routes().stream().anyMatch(r -> !r.destination().isIpv4());
        List<Route> observed = new ArrayList<>(run.netlink.routes(Rtnl.AF_INET));
        if (anyV6
                || run.previouslyApplied().stream()
                        .anyMatch(k -> k instanceof ReconcileRun.RouteKey rk
                                && !rk.destination().isIpv4())) {
            observed.addAll(run.netlink.routes(Rtnl.AF_INET6));
        }
        for (Route r : observed) {
            if (r.table() != run.config.routeTable() || r.type() != Rtnl.RTN_UNICAST) continue;
            Cidr c = cidrOf(r);
            if (c == null) continue;
            if (r.protocol() == run.config.routeProtocol()) {
                Route prev = owned.put(c, r);
                if (prev != null) { // two Weft routes for one prefix (different metric): drop the extra one
                    deleteRoute(prev, run);
                }
            } else if (r.priority() == 0 || !foreign.containsKey(c)) {
                foreign.put(c, r);
            }
        }
        Set<Cidr> wanted = new HashSet<>();
        for (DesiredRoute want : RouteMoves.holdersOfTheirGatewayFirst(d.routes())) {
            wanted.add(want.destination());
            ReconcileRun.RouteKey key = new ReconcileRun.RouteKey(want.destination());
            ReconcileRun.AppliedRoute content =
                    new ReconcileRun.AppliedRoute(want.destination(), want.gateway(), want.device());
            int oif = 0;
            if (want.device() != null) {
                Link l = byName.get(want.device());
                if (l == null) {
                    run.pending++;
                    continue;
                }
                oif = l.index();
            }
            Route.Builder b = Route.builder()
                    .destination(
                            want.destination().network().toInetAddress(),
                            want.destination().prefixLength())
                    .outputIndex(oif)
                    .onlink(want.onlink())
                    .scope(want.scope())
                    .protocol(run.config.routeProtocol())
                    .table(run.config.routeTable());
            if (want.gateway() != null) b.gateway(want.gateway().toInetAddress());
            Route route = b.build();
            Route have = owned.get(want.destination());
            if (have != null && sameRoute(have, route)) {
                run.applied(key);
                run.applied(content);
                installed.add(want.destination());
                continue;
            }
            if (have == null && foreign.containsKey(want.destination())) {
                Route f = foreign.get(want.destination());
                if (!isLegacyPodRoute(want, f, route)) {
                    run.error(conflict(want, f));
                    continue;
                }
                // the route an earlier Weft's pod plumber added itself (proto static): taken over below by replacing it
                log.info(
                        "taking over the host route of a pod created by an earlier Weft version route={} device={}",
                        want.destination(),
                        want.device());
            }
            try {
                try {
                    run.netlink.addRoute(route, true);
                } catch (NetlinkException e) {
                    if (!RouteMoves.isIpv6OnlinkMove(e, have, route)) throw e;
                    RouteMoves.replaceByDeleteAndAdd(run.netlink, have, route);
                }
                run.changed(EntryKind.ROUTE, run.wasApplied(content));
                run.applied(key);
                run.applied(content);
                installed.add(want.destination());
            } catch (NetlinkException e) {
                run.error("route " + route + (want.peerId() == null ? "" : " peer=" + want.peerId()) + ": "
                        + e.getMessage());
            }
        }
        for (Map.Entry<Cidr, Route> e : owned.entrySet()) {
            if (!wanted.contains(e.getKey()) && !run.addOnly) deleteRoute(e.getValue(), run);
        }
    }

    /**
     * Before the desired state owned pod host routes, the pod plumber added them itself with {@code proto static}: such a
     * route on the pod's own host veth, identical to the wanted one, is Weft's and is replaced by the owned route. Any
     * other route on a wanted prefix is someone else's.
     */
    private static boolean isLegacyPodRoute(DesiredRoute want, Route have, Route route) {
        return want.kind() == DesiredState.RouteKind.LOCAL_POD
                && have.protocol() == Rtnl.RTPROT_STATIC
                && sameRoute(have, route);
    }

    private static String conflict(DesiredRoute want, Route f) {
        String cidr = want.destination().toString();
        String prefix = want.destination().isIpv4() ? "" : "-6 ";
        if (want.kind() == DesiredState.RouteKind.LOCAL_POD) {
            return "route " + cidr + " pod on " + want.device() + ": a route not owned by Weft (proto " + f.protocol()
                    + ", " + f
                    + ") is in the way; Weft owns the host route of every local pod and leaves this one alone,"
                    + " so the pod may be unreachable — remove it (ip " + prefix + "route del " + cidr + " proto "
                    + f.protocol() + ") and Weft installs its own at the next reconcile";
        }
        return "route " + cidr + (want.peerId() == null ? "" : " peer=" + want.peerId())
                + ": a route not owned by Weft (proto " + f.protocol() + ", " + f + ") is in the way; "
                + "Weft leaves it alone — remove it if Weft should route this range";
    }

    static void deleteRoute(Route r, ReconcileRun run) {
        try {
            run.netlink.deleteRoute(r);
            run.removed(EntryKind.ROUTE);
        } catch (NetlinkException e) {
            if (!e.isNotFound()) run.error("delete stale route " + r + ": " + e.getMessage());
        }
    }

    private static boolean sameRoute(Route have, Route want) {
        return have.outputIndex() == want.outputIndex()
                && Objects.equals(have.gateway(), want.gateway())
                && have.onlink() == want.onlink()
                && have.scope() == want.scope();
    }
}
