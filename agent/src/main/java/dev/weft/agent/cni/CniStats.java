package dev.weft.agent.cni;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the CNI server; {@link #snapshot()} feeds status and metrics. */
public final class CniStats {

    /** An immutable copy of the counters. */
    public record Snapshot(long adds, long dels, long checks, long gcs, long statuses, long versions,
            long errors, long notReady, long badFrames, long inFlight, long addNanosTotal, long delNanosTotal, long gcReleased) {}

    final AtomicLong adds = new AtomicLong();
    final AtomicLong dels = new AtomicLong();
    final AtomicLong checks = new AtomicLong();
    final AtomicLong gcs = new AtomicLong();
    final AtomicLong statuses = new AtomicLong();
    final AtomicLong versions = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong notReady = new AtomicLong();
    final AtomicLong badFrames = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    final AtomicLong addNanosTotal = new AtomicLong();
    final AtomicLong delNanosTotal = new AtomicLong();
    final AtomicLong gcReleased = new AtomicLong();

    public Snapshot snapshot() {
        return new Snapshot(adds.get(), dels.get(), checks.get(), gcs.get(), statuses.get(), versions.get(),
                errors.get(), notReady.get(), badFrames.get(), inFlight.get(), addNanosTotal.get(), delNanosTotal.get(), gcReleased.get());
    }
}
