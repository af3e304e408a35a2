package dev.weft.gossip;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Immutable snapshot of a gossip node for the status CLI and metrics.
 *
 * @param members        every known member except us, tombstones (DEAD/LEFT) included
 * @param nowNanos       the node's monotonic clock when the snapshot was taken (compare with lastHeardNanos)
 * @param encrypted      true if a cluster secret is configured
 */
public record GossipStatus(
        String clusterName,
        PeerId selfId,
        long incarnation,
        InetSocketAddress advertiseAddress,
        boolean encrypted,
        boolean leaving,
        List<MemberView> members,
        int liveMembers,
        int pendingBroadcasts,
        long nowNanos,
        WireCounters.Snapshot counters) {
    public long count(MemberState state) {
        return members.stream().filter(m -> m.state() == state).count();
    }
}
