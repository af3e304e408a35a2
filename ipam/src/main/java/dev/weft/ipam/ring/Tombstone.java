package dev.weft.ipam.ring;

import dev.weft.id.PeerId;

/** {@code removedPeer} was removed from the cluster and its ranges taken by {@code reclaimedBy}. */
public record Tombstone(PeerId removedPeer, PeerId reclaimedBy) {
    @Override
    public String toString() {
        return removedPeer + " reclaimed by " + reclaimedBy;
    }
}
