package dev.weft.ipam;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingDelta;
import dev.weft.ipam.ring.RingEntry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The ring changes this node made and has not published yet: tokens whose entries it changed and
 * peers it tombstoned. {@link #take} turns them into one {@link RingDelta} of the current ring (the
 * current entries at those tokens: if a newer version arrived meanwhile, the newer one travels,
 * which the join makes harmless). Recorded only after the change was saved.
 */
final class DeltaBuffer {
    private final SortedSet<IpAddress> tokens = new TreeSet<>();
    private final SortedSet<Long> tombstones = new TreeSet<>();

    /** Records every token and tombstone that differs between {@code before} and {@code after}. */
    void record(Ring before, Ring after) {
        record(before, after, 0);
    }

    /**
     * Records tokens that differ between {@code before} (may be null) and {@code after}; if {@code
     * onlyOwner} is not 0, only those whose entry in {@code after} belongs to it.
     */
    void record(Ring before, Ring after, long onlyOwner) {
        if (after == null || after == before) {
            return;
        }
        List<RingEntry> b = before == null ? List.of() : before.entries();
        int j = 0;
        for (RingEntry e : after.entries()) {
            while (j < b.size() && b.get(j).token().compareTo(e.token()) < 0) {
                j++;
            }
            boolean same = j < b.size() && b.get(j).equals(e);
            if (!same && (onlyOwner == 0 || e.owner() == onlyOwner)) {
                tokens.add(e.token());
            }
        }
        if (onlyOwner == 0) {
            for (Map.Entry<Long, Long> t : after.tombstones().entrySet()) {
                if (before == null || !before.tombstones().containsKey(t.getKey())) {
                    tombstones.add(t.getKey());
                }
            }
        }
    }

    boolean isEmpty() {
        return tokens.isEmpty() && tombstones.isEmpty();
    }

    /** The delta of everything recorded, read from {@code ring}, and forgets it; empty if nothing. */
    Optional<RingDelta> take(Ring ring) {
        if (isEmpty() || ring == null) {
            return Optional.empty();
        }
        RingDelta d = RingDelta.from(ring, tokens, tombstones);
        clear();
        return Optional.of(d);
    }

    void clear() {
        tokens.clear();
        tombstones.clear();
    }
}
