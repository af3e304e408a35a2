package dev.weft.ipam;

import dev.weft.ipam.addr.IpRange;
import java.util.List;

/**
 * What applying a remote ring did.
 *
 * @param changed the local ring changed (publish {@link IpamNode#localRingBytes()}); false means
 *     nothing new, stop propagating
 * @param selfRemoved this peer has been removed from the cluster: the agent must call {@link
 *     IpamNode#discardState()} and start over with a new peer id
 * @param gained ranges this peer owns now and did not before
 * @param lost ranges this peer no longer owns (never ones with addresses in use)
 * @param unproven changes of a full state left out because its sender did not write them and no second sender showed
 *     them yet (0 for deltas and trusted rings): while it is above 0 this node's ring may lag the cluster's
 */
public record RingUpdate(boolean changed, boolean selfRemoved, List<IpRange> gained, List<IpRange> lost, int unproven) {
    public RingUpdate {
        gained = List.copyOf(gained);
        lost = List.copyOf(lost);
    }

    public RingUpdate(boolean changed, boolean selfRemoved, List<IpRange> gained, List<IpRange> lost) {
        this(changed, selfRemoved, gained, lost, 0);
    }

    RingUpdate withUnproven(int n) {
        return new RingUpdate(changed, selfRemoved, gained, lost, n);
    }
}
