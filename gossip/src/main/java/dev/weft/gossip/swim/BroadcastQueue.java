package dev.weft.gossip.swim;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Items waiting to be piggybacked (membership updates, channel deltas). One entry per key (a newer item with the
 * same key, e.g. a newer update about the same member, replaces the older one). Entries sent fewest times go
 * first (newest first among equals); an entry is dropped after the retransmit limit.
 *
 * @param <K> what makes two items "about the same thing"
 * @param <M> the wire message
 */
final class BroadcastQueue<K, M extends MessageLite> {
    private final class Entry {
        final K key;
        final M item;
        final int cost;
        final long order;
        int transmits;

        Entry(K key, M item, long order) {
            this.key = key;
            this.item = item;
            this.cost = cost(item.getSerializedSize());
            this.order = order;
        }
    }

    private final Comparator<Entry> priority = Comparator.<Entry>comparingInt(e -> e.transmits)
            .thenComparing(Comparator.<Entry>comparingLong(e -> e.order).reversed());

    private static final int MAX_MISSES = 8;
    private final Function<M, K> keyOf;
    private final Map<K, Entry> byKey = new HashMap<>();
    private final TreeSet<Entry> ordered = new TreeSet<>(priority);
    private long nextOrder;

    BroadcastQueue(Function<M, K> keyOf) {
        this.keyOf = keyOf;
    }

    /**
     * Bytes an item of {@code size} encoded bytes takes in a packet as a repeated field numbered 16..2047: a
     * 2-byte tag, the length varint, the item.
     */
    static int cost(int size) {
        return 2 + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    void enqueue(M item) {
        K key = keyOf.apply(item);
        Entry old = byKey.remove(key);
        if (old != null) {
            ordered.remove(old);
        }
        Entry e = new Entry(key, item, nextOrder++);
        byKey.put(key, e);
        ordered.add(e);
    }

    /**
     * Takes items whose {@link #cost}s fit {@code budgetBytes}, counting a transmission for each and dropping those
     * that reach {@code retransmitLimit}.
     */
    List<M> take(int budgetBytes, int retransmitLimit) {
        List<M> out = new ArrayList<>();
        List<Entry> sent = new ArrayList<>();
        int left = budgetBytes;
        Iterator<Entry> it = ordered.iterator();
        int misses = 0;
        // Once something is taken, stop after a few entries in a row that do not fit: scanning a long queue for a
        // small remaining gap costs more than the gap is worth. Until then scan on, so nothing that fits starves.
        while (it.hasNext() && left > 3 && (out.isEmpty() || misses < MAX_MISSES)) {
            Entry e = it.next();
            if (e.cost <= left) {
                left -= e.cost;
                out.add(e.item);
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

    /** Transmissions so far of the pending item with {@code key}, or -1 if none is pending. */
    int transmits(K key) {
        Entry e = byKey.get(key);
        return e == null ? -1 : e.transmits;
    }
}
