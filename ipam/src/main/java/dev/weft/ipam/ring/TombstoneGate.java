package dev.weft.ipam.ring;

import java.util.Optional;

/**
 * Decides whether a tombstone new to this node may take effect, beyond what the ring itself proves (Kubernetes:
 * the reclaim Lease must name that reclaimer for that peer). Pure and fast: it answers from what the caller
 * already knows and never does I/O.
 */
@FunctionalInterface
public interface TombstoneGate {
    /** Admits every tombstone the ring proves (outside Kubernetes). */
    TombstoneGate ADMIT_ALL = t -> Optional.empty();

    /** Empty to admit {@code t}; otherwise a stable reason name for the refusal. */
    Optional<String> refusal(Tombstone t);
}
