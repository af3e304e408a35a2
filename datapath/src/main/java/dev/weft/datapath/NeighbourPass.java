package dev.weft.datapath;

import dev.weft.datapath.DesiredState.DesiredFdb;
import dev.weft.datapath.DesiredState.DesiredNeighbour;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Neighbour;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.Rtnl;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reconciler's neighbour and FDB pass on the VXLAN device: a permanent neighbour entry (peer VTEP address to its
 * MAC) and one FDB entry (that MAC to the peer's underlay address) per desired peer; stale ones removed.
 */
final class NeighbourPass {
    private NeighbourPass() {}

    static void reconcileNeighbours(DesiredState d, Link dev, ReconcileRun run) {
        Map<InetAddress, Neighbour> have = new HashMap<>();
        boolean anyV6 = d.neighbours().stream().anyMatch(n -> !n.address().isIpv4());
        List<Neighbour> observed = new ArrayList<>(run.netlink.neighbours(Rtnl.AF_INET));
        if (anyV6) observed.addAll(run.netlink.neighbours(Rtnl.AF_INET6));
        for (Neighbour n : observed) {
            if (n.index() == dev.index() && n.destination() != null) have.put(n.destination(), n);
        }
        Set<InetAddress> wanted = new HashSet<>();
        for (DesiredNeighbour want : d.neighbours()) {
            InetAddress ip = want.address().toInetAddress();
            wanted.add(ip);
            ReconcileRun.NeighKey key = new ReconcileRun.NeighKey(want.address());
            Neighbour h = have.get(ip);
            if (h != null && h.isPermanent() && want.mac().equals(h.lladdr())) {
                run.applied(key);
                continue;
            }
            try {
                run.netlink.addNeighbour(Neighbour.permanent(dev.index(), ip, want.mac()), true);
                run.changed(EntryKind.NEIGHBOUR, run.wasApplied(key));
                run.applied(key);
            } catch (NetlinkException e) {
                run.error("neighbour " + want.address() + " peer=" + want.peerId() + ": " + e.getMessage());
            }
        }
        for (Neighbour h : have.values()) {
            if (run.addOnly || wanted.contains(h.destination()) || (h.state() & Rtnl.NUD_NOARP) != 0) continue;
            try {
                run.netlink.deleteNeighbour(h);
                run.removed(EntryKind.NEIGHBOUR);
            } catch (NetlinkException e) {
                if (!e.isNotFound()) run.error("delete stale neighbour " + h + ": " + e.getMessage());
            }
        }
    }

    static void reconcileFdb(DesiredState d, Link dev, ReconcileRun run) {
        Map<MacAddress, List<Neighbour>> have = new HashMap<>();
        for (Neighbour n : run.netlink.neighbours(Rtnl.AF_BRIDGE)) {
            if (n.index() == dev.index() && n.destination() != null && n.lladdr() != null) {
                have.computeIfAbsent(n.lladdr(), k -> new ArrayList<>()).add(n);
            }
        }
        Set<MacAddress> wanted = new HashSet<>();
        for (DesiredFdb want : d.fdb()) {
            wanted.add(want.mac());
            ReconcileRun.FdbKey key = new ReconcileRun.FdbKey(want.mac());
            InetAddress remote = want.remote().toInetAddress();
            List<Neighbour> h = have.getOrDefault(want.mac(), List.of());
            if (h.size() == 1 && remote.equals(h.getFirst().destination())) {
                run.applied(key);
                continue;
            }
            try {
                for (Neighbour extra : h) {
                    if (!remote.equals(extra.destination())) deleteFdb(run, extra);
                }
                run.netlink.addNeighbour(Neighbour.vxlanFdb(dev.index(), want.mac(), remote), true);
                run.changed(EntryKind.FDB, run.wasApplied(key));
                run.applied(key);
            } catch (NetlinkException e) {
                run.error("fdb " + want.mac() + " dst " + want.remote() + " peer=" + want.peerId() + ": "
                        + e.getMessage());
            }
        }
        for (Map.Entry<MacAddress, List<Neighbour>> e : have.entrySet()) {
            if (run.addOnly || wanted.contains(e.getKey())) continue;
            for (Neighbour n : e.getValue()) {
                try {
                    deleteFdb(run, n);
                    run.removed(EntryKind.FDB);
                } catch (NetlinkException ex) {
                    if (!ex.isNotFound()) run.error("delete stale fdb " + n + ": " + ex.getMessage());
                }
            }
        }
    }

    private static void deleteFdb(ReconcileRun run, Neighbour n) {
        run.netlink.deleteNeighbour(Neighbour.vxlanFdb(n.index(), n.lladdr(), n.destination()));
    }
}
