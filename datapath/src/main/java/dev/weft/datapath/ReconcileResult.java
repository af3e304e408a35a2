package dev.weft.datapath;

import java.util.List;
import java.util.Map;

/**
 * Outcome of one {@link Reconciler#reconcile()}: changes by kind ({@code added} = first install,
 * {@code repaired} = an entry Weft had installed was missing or wrong, {@code removed} = stale
 * entries deleted), entries waiting for a device that does not exist yet ({@code pending}),
 * errors (one line each, with the entry and the kernel's answer) and the duration.
 */
public record ReconcileResult(
        Map<EntryKind, Integer> added,
        Map<EntryKind, Integer> repaired,
        Map<EntryKind, Integer> removed,
        int pending,
        List<String> errors,
        long durationNanos) {
    public int totalChanges() {
        return sum(added) + sum(repaired) + sum(removed);
    }

    private static int sum(Map<EntryKind, Integer> m) {
        return m.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int repaired(EntryKind k) {
        return repaired.getOrDefault(k, 0);
    }

    public int added(EntryKind k) {
        return added.getOrDefault(k, 0);
    }

    public int removed(EntryKind k) {
        return removed.getOrDefault(k, 0);
    }
}
