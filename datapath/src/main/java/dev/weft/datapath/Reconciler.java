package dev.weft.datapath;

import dev.weft.datapath.DesiredState.DesiredFdb;
import dev.weft.datapath.DesiredState.DesiredNeighbour;
import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Errno;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Neighbour;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.NetlinkEvent;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the kernel match a {@link DesiredState}: dumps what Weft owns (its VXLAN device and the
 * neighbour/FDB entries on it; routes carrying its protocol number in its table), and applies the
 * minimum set of changes. Routes of other owners are never modified: a foreign route on a
 * destination Weft wants (a peer's range or a local pod's {@code /32}) is reported as an error and left
 * alone, even when it is identical to Weft's — every route Weft wants has exactly one owner, the desired
 * state. (The one exception is the {@code proto static} pod route earlier Weft versions' plumber made,
 * which is taken over.)
 *
 * <p>Starts no threads. The agent calls {@link #setDesired} on every view change and
 * {@link #reconcile()} after it, on a timer, and when {@link #isRelevant} says a netlink event
 * concerns Weft's entries. All public methods are thread-safe (serialized).
 */
public final class Reconciler {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final Netlink netlink;
    private final DatapathConfig config;
    private final DatapathCounters counters = new DatapathCounters();

    private DesiredState desired;
    /** Keys of entries that were in the kernel as desired after the previous run (to tell repairs from first installs). */
    private Set<Object> applied = Set.of();

    private volatile int deviceIndex;
    private volatile Set<String> watchedLinks = Set.of();
    private volatile Map<Object, Object> desiredByKey = Map.of();
    private volatile DatapathStatus status;
    /** Errors of the previous run: a persisting error is logged once, not on every timer tick. */
    private Set<String> lastErrors = Set.of();

    private record DeviceKey(String name) {}

    private record AddressKey(IpAddress address) {}

    private record RouteKey(Cidr destination) {}

    /** A route as Weft last installed it: a changed next hop or device is a deliberate change, not a repair. */
    private record AppliedRoute(Cidr destination, IpAddress gateway, String device) {}

    private record NeighKey(IpAddress address) {}

    private record FdbKey(MacAddress mac) {}

    public Reconciler(Netlink netlink, DatapathConfig config) {
        this.netlink = Objects.requireNonNull(netlink, "netlink");
        this.config = Objects.requireNonNull(config, "config");
        this.status = new DatapathStatus(
                config.vxlanDevice(), 0, 0, null, List.of(), List.of(), List.of(), null, counters.snapshot());
    }

    /** Sets the target; takes effect at the next {@link #reconcile()}. */
    public synchronized void setDesired(DesiredState state) {
        this.desired = Objects.requireNonNull(state, "state");
        Set<String> names = new HashSet<>();
        names.add(state.device().name());
        if (state.device().underlayInterface() != null) names.add(state.device().underlayInterface());
        Map<Object, Object> byKey = new HashMap<>();
        for (DesiredRoute r : state.routes()) {
            names.add(r.device());
            byKey.put(new RouteKey(r.destination()), r);
        }
        for (DesiredNeighbour n : state.neighbours()) byKey.put(new NeighKey(n.address()), n);
        for (DesiredFdb f : state.fdb()) byKey.put(new FdbKey(f.mac()), f);
        names.remove(null);
        this.watchedLinks = Set.copyOf(names);
        this.desiredByKey = Map.copyOf(byKey);
    }

    public DatapathConfig config() {
        return config;
    }

    public DatapathCounters.Snapshot counters() {
        return counters.snapshot();
    }

    public DatapathStatus status() {
        return status;
    }

    /**
     * True when an event may mean the kernel drifted from the desired state: Weft's device or a device
     * its routes use changed, a Weft route/neighbour/FDB entry was removed or a different one appeared
     * for a destination Weft manages, or notifications were lost.
     */
    public boolean isRelevant(NetlinkEvent event) {
        return switch (event) {
            case NetlinkEvent.Overrun o -> true;
            case NetlinkEvent.LinkEvent l ->
                l.link().index() == deviceIndex
                        || watchedLinks.contains(l.link().name());
            case NetlinkEvent.AddressEvent a -> a.address().index() == deviceIndex;
            case NetlinkEvent.RouteEvent r -> routeRelevant(r);
            case NetlinkEvent.NeighbourEvent n -> n.neighbour().index() == deviceIndex && deviceIndex != 0;
        };
    }

    private boolean routeRelevant(NetlinkEvent.RouteEvent e) {
        Route r = e.route();
        if (r.table() != config.routeTable()) return false;
        boolean ours = r.protocol() == config.routeProtocol();
        Cidr key = cidrOf(r);
        boolean managed = key != null && desiredByKey.containsKey(new RouteKey(key));
        if (e.removed()) return ours;
        return managed && !ours || (ours && !managed);
    }

    /** True during {@link #reconcileAddOnly()}: stale entries are kept. */
    private boolean addOnly;

    /**
     * Like {@link #reconcile()} but never removes routes, neighbours or FDB entries that are not desired: for an agent
     * that just restarted and does not know every peer yet, so running pods keep their routes meanwhile.
     */
    public synchronized ReconcileResult reconcileAddOnly() {
        addOnly = true;
        try {
            return reconcile();
        } finally {
            addOnly = false;
        }
    }

    /** Diffs and applies. Never throws for kernel errors: they are counted and returned. */
    public synchronized ReconcileResult reconcile() {
        long start = System.nanoTime();
        Run run = new Run();
        DesiredState d = desired;
        if (d == null) {
            return new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), System.nanoTime() - start);
        }
        Set<Object> nowApplied = new HashSet<>();
        Map<String, Link> byName = new HashMap<>();
        Link dev = null;
        try {
            for (Link l : netlink.links()) byName.put(l.name(), l);
            dev = ensureDevice(d.device(), byName, run, nowApplied);
            if (dev != null) {
                byName.put(dev.name(), dev);
                ensureDeviceAddress(d.device(), dev, run, nowApplied);
            }
        } catch (NetlinkException e) {
            run.error("device " + d.device().name() + ": " + e.getMessage());
        }
        deviceIndex = dev == null ? 0 : dev.index();
        Set<Cidr> installedRoutes = new HashSet<>();
        try {
            reconcileRoutes(d, byName, run, nowApplied, installedRoutes);
        } catch (NetlinkException e) {
            run.error("routes: " + e.getMessage());
        }
        if (dev != null) {
            try {
                reconcileNeighbours(d, dev, run, nowApplied);
            } catch (NetlinkException e) {
                run.error("neighbours: " + e.getMessage());
            }
            try {
                reconcileFdb(d, dev, run, nowApplied);
            } catch (NetlinkException e) {
                run.error("fdb: " + e.getMessage());
            }
        }
        applied = nowApplied;
        for (String e : run.errors) {
            if (!lastErrors.contains(e)) log.warn("datapath reconcile error: {}", e);
        }
        for (String e : lastErrors) {
            if (!run.errors.contains(e)) log.info("datapath error resolved: {}", e);
        }
        lastErrors = Set.copyOf(run.errors);
        counters.reconciled();
        counters.setEntries(EntryKind.DEVICE, dev == null ? 0 : 1);
        counters.setEntries(
                EntryKind.ADDRESS,
                nowApplied.stream().filter(k -> k instanceof AddressKey).count());
        counters.setEntries(
                EntryKind.ROUTE,
                nowApplied.stream().filter(k -> k instanceof RouteKey).count());
        counters.setEntries(
                EntryKind.NEIGHBOUR,
                nowApplied.stream().filter(k -> k instanceof NeighKey).count());
        counters.setEntries(
                EntryKind.FDB,
                nowApplied.stream().filter(k -> k instanceof FdbKey).count());
        ReconcileResult result = new ReconcileResult(
                Map.copyOf(run.added),
                Map.copyOf(run.repaired),
                Map.copyOf(run.removed),
                run.pending,
                List.copyOf(run.errors),
                System.nanoTime() - start);
        if (!run.repaired.isEmpty()) {
            log.warn(
                    "repaired kernel state that was changed behind Weft's back repaired={} device={}",
                    run.repaired,
                    d.device().name());
        }
        if (!run.added.isEmpty() || !run.removed.isEmpty()) {
            log.info(
                    "datapath updated added={} removed={} pending={} durationMs={}",
                    run.added,
                    run.removed,
                    run.pending,
                    result.durationNanos() / 1_000_000);
        }
        List<DatapathStatus.RouteStatus> rs = new ArrayList<>();
        for (DesiredRoute r : d.routes()) {
            rs.add(new DatapathStatus.RouteStatus(
                    r.destination(),
                    r.peerId(),
                    r.kind(),
                    r.gateway(),
                    r.device(),
                    installedRoutes.contains(r.destination())));
        }
        status = new DatapathStatus(
                d.device().name(),
                dev == null ? 0 : dev.index(),
                dev == null ? 0 : dev.mtu(),
                dev == null ? null : dev.mac(),
                List.copyOf(rs),
                d.peers(),
                d.problems(),
                result,
                counters.snapshot());
        return result;
    }

    // --------------------------------------------------------------------- device

    private Link ensureDevice(
            DesiredState.VxlanDevice want, Map<String, Link> byName, Run run, Set<Object> nowApplied) {
        DeviceKey key = new DeviceKey(want.name());
        int underlay = 0;
        if (want.underlayInterface() != null) {
            Link u = byName.get(want.underlayInterface());
            if (u == null) {
                run.error("device " + want.name() + ": underlay interface " + want.underlayInterface()
                        + " not found; check the configured/detected underlay interface");
                return byName.get(want.name());
            }
            underlay = u.index();
        }
        Link have = byName.get(want.name());
        if (have != null) {
            String why = incompatibility(want, have, underlay);
            if (why != null) {
                log.warn("recreating vxlan device because it does not match device={} reason={}", want.name(), why);
                netlink.deleteLink(have.index());
                run.removed(EntryKind.DEVICE);
                have = null;
            }
        }
        boolean created = false;
        if (have == null) {
            created = true;
            try {
                have = netlink.createLink(new LinkSpec.Vxlan(
                        want.name(),
                        want.vni(),
                        want.port(),
                        want.local().toInetAddress(),
                        underlay,
                        want.learning(),
                        want.mtu(),
                        want.mac()));
            } catch (NetlinkException e) {
                if (e.errno() == Errno.EOPNOTSUPP) {
                    throw new NetlinkException(
                            e.errno(),
                            e.request() + " — this kernel has no VXLAN support"
                                    + " (CONFIG_VXLAN / module vxlan); the vxlan datapath cannot work here",
                            e.kernelMessage());
                }
                if (e.isExists()) {
                    throw new NetlinkException(
                            e.errno(),
                            e.request() + " — another device already uses VNI " + want.vni() + " / port " + want.port()
                                    + " or the name; configure another VNI",
                            e.kernelMessage());
                }
                throw e;
            }
            run.changed(EntryKind.DEVICE, applied.contains(key));
            log.info(
                    "created vxlan device device={} vni={} port={} local={} mtu={} mac={}",
                    want.name(),
                    want.vni(),
                    want.port(),
                    want.local(),
                    have.mtu(),
                    have.mac());
        }
        LinkUpdate fix = new LinkUpdate(have.index());
        boolean needFix = false;
        if (want.mtu() > 0 && have.mtu() != want.mtu()) {
            fix.mtu(want.mtu());
            needFix = true;
        }
        if (!have.isUp()) {
            fix.up(true);
            needFix = true;
        }
        if (want.mac() != null && !want.mac().equals(have.mac())) {
            try {
                netlink.updateLink(new LinkUpdate(have.index()).mac(want.mac()));
            } catch (NetlinkException e) {
                // some kernels refuse a live MAC change: down, change, up
                netlink.updateLink(new LinkUpdate(have.index()).up(false));
                netlink.updateLink(new LinkUpdate(have.index()).mac(want.mac()));
            }
            needFix = true;
            fix.up(true);
        }
        if (needFix) {
            netlink.updateLink(fix);
            if (!created) run.changed(EntryKind.DEVICE, applied.contains(key));
            have = netlink.link(have.index()).orElse(have);
        }
        nowApplied.add(key);
        return have;
    }

    private static String incompatibility(DesiredState.VxlanDevice want, Link have, int underlay) {
        if (!"vxlan".equals(have.kind()) || have.vxlan() == null) {
            return "it is a " + have.kind() + " device, not vxlan";
        }
        if (have.vxlan().vni() != want.vni()) return "VNI " + have.vxlan().vni() + " != " + want.vni();
        if (have.vxlan().port() != want.port()) return "port " + have.vxlan().port() + " != " + want.port();
        if (have.vxlan().learning() != want.learning())
            return "learning " + have.vxlan().learning();
        InetAddress local = want.local().toInetAddress();
        if (!local.equals(have.vxlan().local())) return "local " + have.vxlan().local() + " != " + want.local();
        if (have.vxlan().underlayIndex() != underlay) {
            return "underlay ifindex " + have.vxlan().underlayIndex() + " != " + underlay;
        }
        return null;
    }

    private void ensureDeviceAddress(DesiredState.VxlanDevice want, Link dev, Run run, Set<Object> nowApplied) {
        List<Address> onDev = new ArrayList<>();
        for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
            for (Address a : netlink.addresses(family)) {
                if (a.index() == dev.index() && !a.address().isLinkLocalAddress()) onDev.add(a);
            }
        }
        Set<IpAddress> present = new java.util.HashSet<>();
        for (Address a : onDev) {
            IpAddress ip = IpAddress.of(a.address());
            if (want.addresses().contains(ip) && a.prefixLength() == ip.bitLength()) {
                present.add(ip);
            } else {
                netlink.deleteAddress(a);
                run.removed(EntryKind.ADDRESS);
            }
        }
        for (IpAddress w : want.addresses()) {
            AddressKey key = new AddressKey(w);
            if (!present.contains(w)) {
                netlink.addAddress(Address.of(dev.index(), w.toInetAddress(), w.bitLength()), true);
                run.changed(EntryKind.ADDRESS, applied.contains(key));
            }
            nowApplied.add(key);
        }
    }

    // --------------------------------------------------------------------- routes

    private static Cidr cidrOf(Route r) {
        try {
            IpAddress dst = r.destination() == null
                    ? IpAddress.parse(r.family() == Rtnl.AF_INET ? "0.0.0.0" : "::")
                    : IpAddress.of(r.destination());
            return Cidr.of(dst, r.prefixLength());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void reconcileRoutes(
            DesiredState d, Map<String, Link> byName, Run run, Set<Object> nowApplied, Set<Cidr> installed) {
        Map<Cidr, Route> owned = new HashMap<>();
        Map<Cidr, Route> foreign = new HashMap<>();
        boolean anyV6 = d.routes().stream().anyMatch(r -> !r.destination().isIpv4());
        List<Route> observed = new ArrayList<>(netlink.routes(Rtnl.AF_INET));
        if (anyV6
                || applied.stream()
                        .anyMatch(k ->
                                k instanceof RouteKey rk && !rk.destination().isIpv4())) {
            observed.addAll(netlink.routes(Rtnl.AF_INET6));
        }
        for (Route r : observed) {
            if (r.table() != config.routeTable() || r.type() != Rtnl.RTN_UNICAST) continue;
            Cidr c = cidrOf(r);
            if (c == null) continue;
            if (r.protocol() == config.routeProtocol()) {
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
            RouteKey key = new RouteKey(want.destination());
            AppliedRoute content = new AppliedRoute(want.destination(), want.gateway(), want.device());
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
                    .protocol(config.routeProtocol())
                    .table(config.routeTable());
            if (want.gateway() != null) b.gateway(want.gateway().toInetAddress());
            Route route = b.build();
            Route have = owned.get(want.destination());
            if (have != null && sameRoute(have, route)) {
                nowApplied.add(key);
                nowApplied.add(content);
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
                    netlink.addRoute(route, true);
                } catch (NetlinkException e) {
                    if (!RouteMoves.isIpv6OnlinkMove(e, have, route)) throw e;
                    RouteMoves.replaceByDeleteAndAdd(netlink, have, route);
                }
                run.changed(EntryKind.ROUTE, applied.contains(content));
                nowApplied.add(key);
                nowApplied.add(content);
                installed.add(want.destination());
            } catch (NetlinkException e) {
                run.error("route " + route + (want.peerId() == null ? "" : " peer=" + want.peerId()) + ": "
                        + e.getMessage());
            }
        }
        for (Map.Entry<Cidr, Route> e : owned.entrySet()) {
            if (!wanted.contains(e.getKey()) && !addOnly) deleteRoute(e.getValue(), run);
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

    private void deleteRoute(Route r, Run run) {
        try {
            netlink.deleteRoute(r);
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

    // --------------------------------------------------------------------- neighbours / fdb

    private void reconcileNeighbours(DesiredState d, Link dev, Run run, Set<Object> nowApplied) {
        Map<InetAddress, Neighbour> have = new HashMap<>();
        boolean anyV6 = d.neighbours().stream().anyMatch(n -> !n.address().isIpv4());
        List<Neighbour> observed = new ArrayList<>(netlink.neighbours(Rtnl.AF_INET));
        if (anyV6) observed.addAll(netlink.neighbours(Rtnl.AF_INET6));
        for (Neighbour n : observed) {
            if (n.index() == dev.index() && n.destination() != null) have.put(n.destination(), n);
        }
        Set<InetAddress> wanted = new HashSet<>();
        for (DesiredNeighbour want : d.neighbours()) {
            InetAddress ip = want.address().toInetAddress();
            wanted.add(ip);
            NeighKey key = new NeighKey(want.address());
            Neighbour h = have.get(ip);
            if (h != null && h.isPermanent() && want.mac().equals(h.lladdr())) {
                nowApplied.add(key);
                continue;
            }
            try {
                netlink.addNeighbour(Neighbour.permanent(dev.index(), ip, want.mac()), true);
                run.changed(EntryKind.NEIGHBOUR, applied.contains(key));
                nowApplied.add(key);
            } catch (NetlinkException e) {
                run.error("neighbour " + want.address() + " peer=" + want.peerId() + ": " + e.getMessage());
            }
        }
        for (Neighbour h : have.values()) {
            if (addOnly || wanted.contains(h.destination()) || (h.state() & Rtnl.NUD_NOARP) != 0) continue;
            try {
                netlink.deleteNeighbour(h);
                run.removed(EntryKind.NEIGHBOUR);
            } catch (NetlinkException e) {
                if (!e.isNotFound()) run.error("delete stale neighbour " + h + ": " + e.getMessage());
            }
        }
    }

    private void reconcileFdb(DesiredState d, Link dev, Run run, Set<Object> nowApplied) {
        Map<MacAddress, List<Neighbour>> have = new HashMap<>();
        for (Neighbour n : netlink.neighbours(Rtnl.AF_BRIDGE)) {
            if (n.index() == dev.index() && n.destination() != null && n.lladdr() != null) {
                have.computeIfAbsent(n.lladdr(), k -> new ArrayList<>()).add(n);
            }
        }
        Set<MacAddress> wanted = new HashSet<>();
        for (DesiredFdb want : d.fdb()) {
            wanted.add(want.mac());
            FdbKey key = new FdbKey(want.mac());
            InetAddress remote = want.remote().toInetAddress();
            List<Neighbour> h = have.getOrDefault(want.mac(), List.of());
            if (h.size() == 1 && remote.equals(h.getFirst().destination())) {
                nowApplied.add(key);
                continue;
            }
            try {
                for (Neighbour extra : h) {
                    if (!remote.equals(extra.destination())) deleteFdb(extra);
                }
                netlink.addNeighbour(Neighbour.vxlanFdb(dev.index(), want.mac(), remote), true);
                run.changed(EntryKind.FDB, applied.contains(key));
                nowApplied.add(key);
            } catch (NetlinkException e) {
                run.error("fdb " + want.mac() + " dst " + want.remote() + " peer=" + want.peerId() + ": "
                        + e.getMessage());
            }
        }
        for (Map.Entry<MacAddress, List<Neighbour>> e : have.entrySet()) {
            if (addOnly || wanted.contains(e.getKey())) continue;
            for (Neighbour n : e.getValue()) {
                try {
                    deleteFdb(n);
                    run.removed(EntryKind.FDB);
                } catch (NetlinkException ex) {
                    if (!ex.isNotFound()) run.error("delete stale fdb " + n + ": " + ex.getMessage());
                }
            }
        }
    }

    private void deleteFdb(Neighbour n) {
        netlink.deleteNeighbour(Neighbour.vxlanFdb(n.index(), n.lladdr(), n.destination()));
    }

    // --------------------------------------------------------------------- bookkeeping of one run

    private final class Run {
        final Map<EntryKind, Integer> added = new EnumMap<>(EntryKind.class);
        final Map<EntryKind, Integer> repaired = new EnumMap<>(EntryKind.class);
        final Map<EntryKind, Integer> removed = new EnumMap<>(EntryKind.class);
        final List<String> errors = new ArrayList<>();
        int pending;

        void changed(EntryKind k, boolean wasApplied) {
            if (wasApplied) {
                repaired.merge(k, 1, Integer::sum);
                counters.repaired(k);
            } else {
                added.merge(k, 1, Integer::sum);
                counters.added(k);
            }
        }

        void removed(EntryKind k) {
            removed.merge(k, 1, Integer::sum);
            counters.removed(k);
        }

        void error(String message) {
            errors.add(message);
            counters.error();
        }
    }
}
