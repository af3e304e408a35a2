package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.ring.Tombstone;
import dev.weft.ipam.ring.TombstoneGate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes mode: a tombstone new to this node takes effect only when the reclaim Lease for its removed peer names
 * its reclaimer. The controller never calls the API server: a tombstone it has no answer for is refused for now
 * ({@value #UNCHECKED}), the update that carried it is parked, and the Kubernetes role, which polls {@link
 * #takeWanted()}, reads the Lease and answers with {@link #onAnswer}; a yes applies the parked update at once.
 * Outside Kubernetes every tombstone the ring proves is admitted.
 *
 * <p>This node's own tombstone is refused only when a Lease names another reclaimer: a Lease cleaned up after its
 * retention must not keep a node without pods from starting over (a node with pods never wipes itself anyway).
 */
final class ReclaimLeaseGate implements TombstoneGate {
    static final String UNCHECKED = "reclaim_lease_unchecked";
    static final String OTHER_HOLDER = "reclaim_lease_other_holder";
    static final String MISSING = "reclaim_lease_missing";
    /** A refusing answer is asked again after this long (the API server may have been behind). */
    static final long RECHECK_AFTER_MS = 60_000;

    private static final int MAX_TRACKED = 256;

    record Parked(PeerId from, byte[] bytes, boolean delta) {}

    private record Known(ReclaimLeaseAnswer answer, long atMs) {}

    private final boolean kubernetes;
    private final PeerId self;
    private final Map<Tombstone, Known> answers = new HashMap<>();
    private final Set<Tombstone> wanted = new LinkedHashSet<>();
    private final Map<Tombstone, Parked> parked = new LinkedHashMap<>();
    private long nowMs;

    ReclaimLeaseGate(boolean kubernetes, PeerId self) {
        this.kubernetes = kubernetes;
        this.self = self;
    }

    void setNow(long nowMs) {
        this.nowMs = nowMs;
    }

    @Override
    public Optional<String> refusal(Tombstone t) {
        if (!kubernetes) return Optional.empty();
        Known k = answers.get(t);
        if (k == null || (k.answer() != ReclaimLeaseAnswer.NAMES_RECLAIMER && nowMs - k.atMs() >= RECHECK_AFTER_MS)) {
            if (wanted.size() < MAX_TRACKED) wanted.add(t);
            return k == null ? Optional.of(UNCHECKED) : refusalFor(t, k.answer());
        }
        return refusalFor(t, k.answer());
    }

    Optional<String> refusalFor(Tombstone t, ReclaimLeaseAnswer a) {
        return switch (a) {
            case NAMES_RECLAIMER -> Optional.empty();
            case NAMES_OTHER -> Optional.of(OTHER_HOLDER);
            case MISSING -> t.removedPeer().equals(self) ? Optional.empty() : Optional.of(MISSING);
        };
    }

    /** Keeps the latest update refused only for want of an answer about {@code t}, to apply once it comes. */
    void park(Tombstone t, PeerId from, byte[] bytes, boolean delta) {
        if (parked.size() >= MAX_TRACKED && !parked.containsKey(t)) return;
        parked.put(t, new Parked(from, bytes, delta));
    }

    /** The tombstones whose Lease the Kubernetes role should read now (each asked once until answered). */
    List<Tombstone> takeWanted() {
        List<Tombstone> out = new ArrayList<>(wanted);
        wanted.clear();
        return out;
    }

    /** The Lease's answer; returns the parked update to apply again when it admits the tombstone. */
    Optional<Parked> onAnswer(Tombstone t, ReclaimLeaseAnswer a, long now) {
        if (answers.size() >= MAX_TRACKED && !answers.containsKey(t)) answers.clear();
        answers.put(t, new Known(a, now));
        Parked p = parked.remove(t);
        return p != null && refusalFor(t, a).isEmpty() ? Optional.of(p) : Optional.empty();
    }
}
