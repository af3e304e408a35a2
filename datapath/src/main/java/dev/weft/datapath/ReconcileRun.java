package dev.weft.datapath;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of the {@link Reconciler}: what the passes ({@link DevicePass}, {@link RoutePass}, {@link NeighbourPass})
 * share. The kernel to talk to, the keys of entries that were as desired after the previous run (to tell a repair
 * from a first install) and those that are now, whether stale entries are kept ({@link Reconciler#reconcileAddOnly}),
 * and the run's tallies and errors. Used by one thread, under the reconciler's lock.
 */
final class ReconcileRun {
    record DeviceKey(String name) {}

    record AddressKey(IpAddress address) {}

    record RouteKey(Cidr destination) {}

    /** A route as Weft last installed it: a changed next hop or device is a deliberate change, not a repair. */
    record AppliedRoute(Cidr destination, IpAddress gateway, String device) {}

    record NeighKey(IpAddress address) {}

    record FdbKey(MacAddress mac) {}

    final Netlink netlink;
    final DatapathConfig config;
    final boolean addOnly;
    private final DatapathCounters counters;
    private final Set<Object> previous;
    final Set<Object> nowApplied = new HashSet<>();
    final Map<EntryKind, Integer> added = new EnumMap<>(EntryKind.class);
    final Map<EntryKind, Integer> repaired = new EnumMap<>(EntryKind.class);
    final Map<EntryKind, Integer> removed = new EnumMap<>(EntryKind.class);
    final List<String> errors = new ArrayList<>();
    int pending;

    ReconcileRun(
            Netlink netlink, DatapathConfig config, DatapathCounters counters, Set<Object> previous, boolean addOnly) {
        this.netlink = netlink;
        this.config = config;
        this.counters = counters;
        this.previous = previous;
        this.addOnly = addOnly;
    }

    /** Whether the entry with this key was as desired after the previous run (so changing it now is a repair). */
    boolean wasApplied(Object key) {
        return previous.contains(key);
    }

    Set<Object> previouslyApplied() {
        return previous;
    }

    /** The entry with this key is now as desired. */
    void applied(Object key) {
        nowApplied.add(key);
    }

    /** How many entries of a key type are now as desired. */
    long appliedCount(Class<?> keyType) {
        return nowApplied.stream().filter(keyType::isInstance).count();
    }

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
