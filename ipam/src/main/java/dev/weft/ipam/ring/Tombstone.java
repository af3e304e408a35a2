package dev.weft.ipam.ring;

/** {@code removedPeer} was removed from the cluster and its ranges taken by {@code reclaimedBy}. */
public record Tombstone(long removedPeer, long reclaimedBy) {
  @Override
  public String toString() {
    return PeerIds.format(removedPeer) + " reclaimed by " + PeerIds.format(reclaimedBy);
  }
}
