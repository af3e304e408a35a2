package dev.weft.datapath;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;

/**
 * Immutable status snapshot for {@code weft status routes} and metrics.
 *
 * @param device      VXLAN device name
 * @param deviceIndex its ifindex (0 when absent)
 * @param mtu         its MTU as last seen
 * @param mac         its MAC as last seen (null when absent)
 * @param routes      every desired route with its peer, mode and whether it was in the kernel after the last run
 * @param peers       per-peer decisions
 * @param problems    ignored inputs from the desired state
 * @param last        the last reconcile's result (null before the first)
 * @param counters    counters
 */
public record DatapathStatus(
        String device,
        int deviceIndex,
        int mtu,
        MacAddress mac,
        List<RouteStatus> routes,
        List<DesiredState.PeerPlan> peers,
        List<String> problems,
        ReconcileResult last,
        DatapathCounters.Snapshot counters) {

    public record RouteStatus(
            Cidr destination,
            String peerId,
            DesiredState.RouteKind kind,
            IpAddress via,
            String device,
            boolean installed) {}
}
