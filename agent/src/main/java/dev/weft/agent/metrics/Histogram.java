package dev.weft.agent.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/** A fixed-bucket histogram safe for concurrent observation (e.g. CNI request latency in seconds). */
public final class Histogram {
    private final double[] bounds;
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();

    public Histogram(double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (bounds[i] <= bounds[i - 1]) throw new IllegalArgumentException("bucket bounds must increase");
        }
        this.bounds = bounds.clone();
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    public void observe(double v) {
        int i = 0;
        while (i < bounds.length && v > bounds[i]) i++;
        counts.incrementAndGet(i);
        sum.add(v);
    }

    public Snapshot snapshot() {
        long[] c = new long[counts.length()];
        for (int i = 0; i < c.length; i++) c[i] = counts.get(i);
        return new Snapshot(bounds.clone(), c, sum.sum());
    }

    /** {@code counts[i]} is the number of observations in bucket i (not cumulative); the last is +Inf. */
    public record Snapshot(double[] bounds, long[] counts, double sum) {}
}
