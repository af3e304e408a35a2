package dev.weft.ipam.ring;

import java.util.List;

/**
 * Two versions of the same entry (or tombstone) carry the same version number but different
 * content. This is never resolved silently: nothing of the remote ring is applied.
 */
public final class RingConflictException extends RingException {
    private final List<String> conflicts;

    public RingConflictException(List<String> conflicts) {
        super("ring conflict, remote ring not applied: "
                + String.join("; ", conflicts.subList(0, Math.min(5, conflicts.size())))
                + (conflicts.size() > 5 ? "; and " + (conflicts.size() - 5) + " more" : "")
                + " (two peers changed the same range at the same version: duplicate node names"
                + " in the seed list, or two peers reclaimed the same peer)");
        this.conflicts = List.copyOf(conflicts);
    }

    public List<String> conflicts() {
        return conflicts;
    }
}
