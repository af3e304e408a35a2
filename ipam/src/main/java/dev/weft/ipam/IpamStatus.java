package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of one node's IPAM for {@code weft status ipam} and metrics.
 *
 * @param self this peer's id
 * @param clusterRange the configured cluster range
 * @param minBlock the configured minimum block
 * @param ringExists false until the ring is created or received
 * @param genesis who created the ring (empty while there is none)
 * @param removed this peer was removed from the cluster and must start over
 * @param owners every owner in the ring, in peer-id order
 * @param localSize addresses this node owns
 * @param localFree addresses this node can still hand out (owned minus allocated, gateway, reserved)
 * @param gateway this node's reserved gateway/VTEP address
 * @param allocations this node's allocations by attachment
 * @param pendingSpaceRequest donor asked and not answered yet, if any
 * @param counters monotonic counters
 */
public record IpamStatus(
        PeerId self,
        String nickname,
        Cidr clusterRange,
        int minBlock,
        boolean ringExists,
        Optional<String> genesis,
        boolean removed,
        List<OwnerStatus> owners,
        long localSize,
        long localFree,
        Optional<IpAddress> gateway,
        Map<AttachmentKey, IpAddress> allocations,
        Optional<PeerId> pendingSpaceRequest,
        IpamCounters counters) {

    /**
     * One owner's share as the ring says.
     *
     * @param free for this node its real free count; for another owner its gossiped hint ({@link
     *     IpamNode#setFreeHints}) if known, else the count in the ring (written at its last ownership
     *     change)
     * @param removed the owner has a tombstone (its ranges are, or will be, reclaimed)
     */
    public record OwnerStatus(
            PeerId peer, boolean self, boolean removed, List<IpRange> ranges, List<Cidr> cidrs, long size, long free) {}
}
