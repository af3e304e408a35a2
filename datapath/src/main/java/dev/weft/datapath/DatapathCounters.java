package dev.weft.datapath;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Reconciler counters (monotonic) and gauges. Thread-safe; read with {@link #snapshot()}.
 * Names for metrics: {@code weft_datapath_entries{kind}}, {@code weft_datapath_added_total{kind}},
 * {@code weft_datapath_repairs_total{kind}}, {@code weft_datapath_removed_total{kind}},
 * {@code weft_datapath_errors_total}, {@code weft_datapath_reconciles_total}.
 */
public final class DatapathCounters {
    private static final int N = EntryKind.values().length;
    private final AtomicLongArray entries = new AtomicLongArray(N);
    private final AtomicLongArray added = new AtomicLongArray(N);
    private final AtomicLongArray repairs = new AtomicLongArray(N);
    private final AtomicLongArray removed = new AtomicLongArray(N);
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong reconciles = new AtomicLong();

    void setEntries(EntryKind k, long v) {
        entries.set(k.ordinal(), v);
    }

    void added(EntryKind k) {
        added.incrementAndGet(k.ordinal());
    }

    void repaired(EntryKind k) {
        repairs.incrementAndGet(k.ordinal());
    }

    void removed(EntryKind k) {
        removed.incrementAndGet(k.ordinal());
    }

    void error() {
        errors.incrementAndGet();
    }

    void reconciled() {
        reconciles.incrementAndGet();
    }

    public record Snapshot(
            Map<EntryKind, Long> entries,
            Map<EntryKind, Long> added,
            Map<EntryKind, Long> repairs,
            Map<EntryKind, Long> removed,
            long errors,
            long reconciles) {
        public long repairs(EntryKind k) {
            return repairs.getOrDefault(k, 0L);
        }

        public long entries(EntryKind k) {
            return entries.getOrDefault(k, 0L);
        }
    }

    public Snapshot snapshot() {
        return new Snapshot(map(entries), map(added), map(repairs), map(removed), errors.get(), reconciles.get());
    }

    private static Map<EntryKind, Long> map(AtomicLongArray a) {
        EnumMap<EntryKind, Long> m = new EnumMap<>(EntryKind.class);
        for (EntryKind k : EntryKind.values()) {
            m.put(k, a.get(k.ordinal()));
        }
        return Map.copyOf(m);
    }
}
