package dev.weft.gossip.swim;

import dev.weft.id.PeerId;
import java.util.HashSet;
import java.util.Set;

/** One running suspicion of a member: a deadline that shrinks as independent members confirm it. */
final class Suspicion {
    private final long startNanos;
    private final long minNanos;
    private final long maxNanos;
    private final int expected;
    private final Set<PeerId> confirmers = new HashSet<>();
    private long deadlineNanos;

    Suspicion(PeerId firstAccuser, long nowNanos, int expected, long minNanos, long maxNanos) {
        this.startNanos = nowNanos;
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.expected = expected;
        confirmers.add(firstAccuser);
        this.deadlineNanos = nowNanos + Timing.suspicionTimeoutNanos(0, expected, minNanos, maxNanos);
    }

    /** Adds a confirmation; returns true if it is new (and so worth passing on). */
    boolean confirm(PeerId accuser) {
        if (confirmers.size() - 1 >= expected || !confirmers.add(accuser)) {
            return false;
        }
        deadlineNanos = startNanos + Timing.suspicionTimeoutNanos(confirmers.size() - 1, expected, minNanos, maxNanos);
        return true;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    int confirmations() {
        return confirmers.size() - 1;
    }
}
