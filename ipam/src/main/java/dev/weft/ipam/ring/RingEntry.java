package dev.weft.ipam.ring;

import dev.weft.ipam.addr.IpAddress;

/**
 * One ring entry: {@code owner} owns {@code [token, next token)}. Only the owner changes it and
 * every change raises {@code version}. {@code free} is the owner's count of unallocated addresses
 * in it (saturating at {@link Long#MAX_VALUE} for huge IPv6 entries).
 */
public record RingEntry(IpAddress token, long owner, long version, long free) {
  public RingEntry {
    if (token == null) {
      throw new IllegalArgumentException("token is required");
    }
    if (version < 1) {
      throw new IllegalArgumentException("entry version must be >= 1, got " + version);
    }
    if (free < 0) {
      throw new IllegalArgumentException("free count must be >= 0, got " + free);
    }
  }

  @Override
  public String toString() {
    return token + "->" + PeerIds.format(owner) + " v" + version + " free=" + free;
  }
}
