package dev.weft.ipam;

import dev.weft.ipam.ring.PeerIds;

/**
 * An operation was asked of a peer that has been removed from the cluster; it must {@link
 * IpamNode#discardState()} and start over with a new peer id.
 */
public final class PeerRemovedException extends IllegalStateException {
  public PeerRemovedException(long self, long reclaimedBy) {
    super(
        "peer " + PeerIds.format(self) + " was removed from the cluster (its ranges were reclaimed by peer "
            + PeerIds.format(reclaimedBy) + "); discard the IPAM state and rejoin with a new peer id");
  }
}
