package dev.weft.agent.core;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Holds back what may only leave the node once the state it rests on is on disk (an address given to a pod, a
 * grant, a ring change). Staged states are numbered by {@link StagedStore}; the disk executor reports the highest
 * number written. Writes coalesce: while one is in flight only the newest staged state is written next (group
 * commit), so a burst of pod churn costs one write, not one per pod.
 */
final class Durability {
    private record Held(long seq, Runnable onWritten, Consumer<String> onFailed) {}

    private final StagedStore store;
    private final Deque<Held> held = new ArrayDeque<>();
    private long written;
    private long requested;
    private boolean inFlight;
    private String lastError;
    private long writes;
    private long failures;

    Durability(StagedStore store) {
        this.store = store;
    }

    /** Runs {@code onWritten} once everything staged so far is on disk (now, if it already is). */
    void afterWrite(Runnable onWritten, Consumer<String> onFailed) {
        long need = store.seq();
        if (need <= written) {
            onWritten.run();
        } else {
            held.add(new Held(need, onWritten, onFailed));
        }
    }

    /**
     * After each event: ask for a write of the newest staged state when one is due. A failed write is retried only
     * when {@code retryFailed} (the controller passes it on its tick), so a broken disk is not hammered.
     */
    void flush(Effects fx, boolean retryFailed) {
        long s = store.seq();
        if (inFlight || s <= written) return;
        if (s > requested || retryFailed && lastError != null) {
            requested = s;
            inFlight = true;
            fx.persist(s, store.staged());
        }
    }

    void onWritten(long seq) {
        inFlight = false;
        writes++;
        lastError = null;
        written = Math.max(written, seq);
        while (!held.isEmpty() && held.peekFirst().seq() <= written)
            held.pollFirst().onWritten().run();
    }

    void onFailed(long seq, String error) {
        inFlight = false;
        failures++;
        lastError = error;
        while (!held.isEmpty() && held.peekFirst().seq() <= seq)
            held.pollFirst().onFailed().accept(error);
    }

    /** The last write failed and nothing has been written since: a readiness problem. */
    String error() {
        return lastError;
    }

    long writes() {
        return writes;
    }

    long failures() {
        return failures;
    }

    int waiting() {
        return held.size();
    }
}
