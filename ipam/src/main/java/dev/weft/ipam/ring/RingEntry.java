package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;

/**
 * One ring entry: {@code owner} owns {@code [token, next token)}. Only the owner changes it and
 * every change raises {@code version}. {@code free} is the owner's count of unallocated addresses
 * in it when it last changed the entry (an advisory hint, saturating at {@link Long#MAX_VALUE} for
 * huge IPv6 entries; pod allocations do not update it, see the README). {@code owner} is the raw
 * 64 bits of a {@link PeerId} (never zero), as on the wire.
 */
public record RingEntry(IpAddress token, long owner, long version, long free) {
    public RingEntry {
        if (token == null) {
            throw new IllegalArgumentException("token is required");
        }
        if (owner == 0) {
            throw new IllegalArgumentException("entry owner 0 is not a peer id");
        }
        if (version < 1) {
            throw new IllegalArgumentException("entry version must be >= 1, got " + version);
        }
        if (free < 0) {
            throw new IllegalArgumentException("free count must be >= 0, got " + free);
        }
    }

    /** The owner as a {@link PeerId}. */
    public PeerId ownerId() {
        return PeerId.of(owner);
    }

    @Override
    public String toString() {
        return token + "->" + PeerId.of(owner) + " v" + version + " free=" + free;
    }
}
