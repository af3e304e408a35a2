package dev.weft.datapath;

import dev.weft.datapath.DesiredState.DesiredFdb;
import dev.weft.datapath.DesiredState.DesiredNeighbour;
import dev.weft.datapath.DesiredState.DesiredRoute;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.NetlinkEvent;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.Route;
import dev.weft.ipam.addr.Cidr;
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
 * Makes the kernel match a {@link DesiredState}: dumps what Weft owns (its VXLAN device and the
 * neighbour/FDB entries on it; routes carrying its protocol number in its table), and applies the
 * minimum set of changes. Routes of other owners are never modified: a foreign route on a
 * destination Weft wants (a peer's range or a local pod's {@code /32}) is reported as an error and left
 * alone, even when it is identical to Weft's — every route Weft wants has exactly one owner, the desired
 * state. (The one exception is the {@code proto static} pod route earlier Weft versions' plumber made,
 * which is taken over.)
 *
 * <p>One run ({@link ReconcileRun}) goes through one pass per kind of entry: {@link DevicePass} (the device and
 * its VTEP addresses), {@link RoutePass}, {@link NeighbourPass} (neighbours and FDB); this class holds what lasts
 * between runs, tallies the run and builds the status.
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
            byKey.put(new ReconcileRun.RouteKey(r.destination()), r);
        }
        for (DesiredNeighbour n : state.neighbours()) byKey.put(new ReconcileRun.NeighKey(n.address()), n);
        for (DesiredFdb f : state.fdb()) byKey.put(new ReconcileRun.FdbKey(f.mac()), f);
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
        Cidr key = RoutePass.cidrOf(r);
        boolean managed = key != null && desiredByKey.containsKey(new ReconcileRun.RouteKey(key));
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
        DesiredState d = desired;
        if (d == null) {
            return new ReconcileResult(Map.of(), Map.of(), Map.of(), 0, List.of(), System.nanoTime() - start);
        }
        ReconcileRun run = new ReconcileRun(netlink, config, counters, applied, addOnly);
        Map<String, Link> byName = new HashMap<>();
        Link dev = null;
        try {
            for (Link l : netlink.links()) byName.put(l.name(), l);
            dev = DevicePass.ensureDevice(d.device(), byName, run);
            if (dev != null) {
                byName.put(dev.name(), dev);
                DevicePass.ensureDeviceAddress(d.device(), dev, run);
            }
        } catch (NetlinkException e) {
            run.error("device " + d.device().name() + ": " + e.getMessage());
        }
        deviceIndex = dev == null ? 0 : dev.index();
        Set<Cidr> installedRoutes = new HashSet<>();
        try {
            RoutePass.reconcileRoutes(d, byName, run, installedRoutes);
        } catch (NetlinkException e) {
            run.error("routes: " + e.getMessage());
        }
        if (dev != null) {
            try {
                NeighbourPass.reconcileNeighbours(d, dev, run);
            } catch (NetlinkException e) {
                run.error("neighbours: " + e.getMessage());
            }
            try {
                NeighbourPass.reconcileFdb(d, dev, run);
            } catch (NetlinkException e) {
                run.error("fdb: " + e.getMessage());
            }
        }
        applied = run.nowApplied;
        for (String e : run.errors) {
            if (!lastErrors.contains(e)) log.warn("datapath reconcile error: {}", e);
        }
        for (String e : lastErrors) {
            if (!run.errors.contains(e)) log.info("datapath error resolved: {}", e);
        }
        lastErrors = Set.copyOf(run.errors);
        counters.reconciled();
        counters.setEntries(EntryKind.DEVICE, dev == null ? 0 : 1);
        counters.setEntries(EntryKind.ADDRESS, run.appliedCount(ReconcileRun.AddressKey.class));
        counters.setEntries(EntryKind.ROUTE, run.appliedCount(ReconcileRun.RouteKey.class));
        counters.setEntries(EntryKind.NEIGHBOUR, run.appliedCount(ReconcileRun.NeighKey.class));
        counters.setEntries(EntryKind.FDB, run.appliedCount(ReconcileRun.FdbKey.class));
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
}
