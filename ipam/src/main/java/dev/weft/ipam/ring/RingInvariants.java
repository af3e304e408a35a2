package dev.weft.ipam.ring;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;
import java.util.Map;

/** The checks every {@link Ring} and {@link RingDelta} passes when it is built. */
final class RingInvariants {
    private RingInvariants() {}

    /**
     * Non-empty; the first token is the start of the range; tokens strictly increasing, inside the
     * range, of its family and aligned to the minimum block; {@code free <= size} for every entry;
     * no tombstone names a peer reclaimed by itself.
     */
    static void check(Ring ring) {
        List<RingEntry> entries = ring.entries();
        if (entries.isEmpty()) {
            throw new RingInvariantException("ring has no entries (" + ring.describe() + ")");
        }
        Cidr range = ring.config().range();
        if (!entries.get(0).token().equals(range.network())) {
            throw new RingInvariantException("first token " + entries.get(0).token() + " is not the start of " + range);
        }
        checkTokens(ring.config(), ring.entryArray());
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).free() > ring.sizeOf(i)) {
                throw new RingInvariantException("entry " + entries.get(i) + " reports more free addresses than range="
                        + ring.rangeOf(i) + " holds");
            }
        }
        checkTombstones(ring.tombstones());
    }

    /** Tokens strictly increasing, inside the range, of its family, aligned to the minimum block. */
    static void checkTokens(RingConfig config, RingEntry[] entries) {
        Cidr range = config.range();
        for (int i = 0; i < entries.length; i++) {
            IpAddress t = entries[i].token();
            if (!range.contains(t)) {
                throw new RingInvariantException("token " + t + " is outside " + range);
            }
            if (!t.isAligned(config.blockBits())) {
                throw new RingInvariantException(
                        "token " + t + " is not aligned to the minimum block " + config.minBlock());
            }
            if (i > 0 && entries[i - 1].token().compareTo(t) >= 0) {
                throw new RingInvariantException(
                        "tokens not strictly increasing at " + entries[i - 1].token() + ", " + t);
            }
        }
    }

    /** No peer 0 (not a peer id) and no peer reclaimed by itself. */
    static void checkTombstones(Map<Long, Long> tombstones) {
        for (Map.Entry<Long, Long> t : tombstones.entrySet()) {
            if (t.getKey() == 0 || t.getValue() == 0 || t.getKey().equals(t.getValue())) {
                throw new RingInvariantException("invalid tombstone: peer " + RingCodec.hex(t.getKey())
                        + " reclaimed by " + RingCodec.hex(t.getValue()));
            }
        }
    }
}
