package dev.weft.gossip.swim;

import dev.weft.gossip.wire.proto.MemberUpdate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Updates waiting to be piggybacked. One entry per member (a newer update about a member replaces the older one).
 * Entries sent fewest times go first (newest first among equals); an entry is dropped after the retransmit limit.
 */
final class BroadcastQueue {
    private static final class Entry {
        final String key;
        final MemberUpdate update;
        final int size;
        final long order;
        int transmits;

        Entry(String key, MemberUpdate update, long order) {
            this.key = key;
            this.update = update;
            this.size = update.getSerializedSize();
            this.order = order;
        }
    }

    private static final Comparator<Entry> PRIORITY = Comparator.<Entry>comparingInt(e -> e.transmits)
            .thenComparing(Comparator.<Entry>comparingLong(e -> e.order).reversed());

    private static final int MAX_MISSES = 8;
    private final Map<String, Entry> byKey = new HashMap<>();
    private final TreeSet<Entry> ordered = new TreeSet<>(PRIORITY);
    private long nextOrder;

    void enqueue(MemberUpdate update) {
        Entry old = byKey.remove(update.getMemberId());
        if (old != null) {
            ordered.remove(old);
        }
        Entry e = new Entry(update.getMemberId(), update, nextOrder++);
        byKey.put(e.key, e);
        ordered.add(e);
    }

    /**
     * Takes updates whose encoded sizes (plus 3 bytes of field framing each) fit {@code budgetBytes}, counting a
     * transmission for each and dropping those that reach {@code retransmitLimit}.
     */
    List<MemberUpdate> take(int budgetBytes, int retransmitLimit) {
        List<MemberUpdate> out = new ArrayList<>();
        List<Entry> sent = new ArrayList<>();
        int left = budgetBytes;
        Iterator<Entry> it = ordered.iterator();
        int misses = 0;
        // Once something is taken, stop after a few entries in a row that do not fit: scanning a long queue for a
        // small remaining gap costs more than the gap is worth. Until then scan on, so nothing that fits starves.
        while (it.hasNext() && left > 3 && (out.isEmpty() || misses < MAX_MISSES)) {
            Entry e = it.next();
            int cost = e.size + 3;
            if (cost <= left) {
                left -= cost;
                out.add(e.update);
                sent.add(e);
                it.remove();
                misses = 0;
            } else {
                misses++;
            }
        }
        for (Entry e : sent) {
            e.transmits++;
            if (e.transmits >= retransmitLimit) {
                byKey.remove(e.key);
            } else {
                ordered.add(e);
            }
        }
        return out;
    }

    int size() {
        return byKey.size();
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** Transmissions so far of the pending update about {@code key}, or -1 if none is pending. */
    int transmits(String key) {
        Entry e = byKey.get(key);
        return e == null ? -1 : e.transmits;
    }
}
