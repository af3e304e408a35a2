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
 */
public record RingUpdate(boolean changed, boolean selfRemoved, List<IpRange> gained, List<IpRange> lost) {
    public RingUpdate {
        gained = List.copyOf(gained);
        lost = List.copyOf(lost);
    }
}
