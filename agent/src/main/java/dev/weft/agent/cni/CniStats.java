package dev.weft.agent.cni;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the CNI server; {@link #snapshot()} feeds status and metrics. */
public final class CniStats {

    /** An immutable copy of the counters. */
    public record Snapshot(
            long adds,
            long dels,
            long checks,
            long gcs,
            long statuses,
            long versions,
            long errors,
            long notReady,
            long badFrames,
            long inFlight,
            long addNanosTotal,
            long delNanosTotal,
            long gcReleased) {}

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

    /** Request latency in seconds by CNI command (buckets from 1 ms to 10 s). */
    private final java.util.concurrent.ConcurrentHashMap<String, dev.weft.agent.metrics.Histogram> latency =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Requests by "COMMAND/result" (result: ok, error). */
    private final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> results =
            new java.util.concurrent.ConcurrentHashMap<>();

    void observe(String command, boolean ok, double seconds) {
        String cmd = command == null || command.isEmpty() ? "unknown" : command.length() > 16 ? "unknown" : command;
        latency.computeIfAbsent(
                        cmd,
                        c -> new dev.weft.agent.metrics.Histogram(
                                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
                .observe(seconds);
        results.computeIfAbsent(cmd + "/" + (ok ? "ok" : "error"), k -> new AtomicLong())
                .incrementAndGet();
    }

    /** Latency histograms by command. */
    public java.util.Map<String, dev.weft.agent.metrics.Histogram.Snapshot> latency() {
        java.util.Map<String, dev.weft.agent.metrics.Histogram.Snapshot> m = new java.util.TreeMap<>();
        latency.forEach((k, v) -> m.put(k, v.snapshot()));
        return m;
    }

    /** Request counts by command and result. */
    public java.util.Map<String, Long> results() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        results.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    public Snapshot snapshot() {
        return new Snapshot(
                adds.get(),
                dels.get(),
                checks.get(),
                gcs.get(),
                statuses.get(),
                versions.get(),
                errors.get(),
                notReady.get(),
                badFrames.get(),
                inFlight.get(),
                addNanosTotal.get(),
                delNanosTotal.get(),
                gcReleased.get());
    }
}
