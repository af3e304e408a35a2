package dev.weft.gossip.transport;

import dev.weft.gossip.wire.DropReason;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Admission of inbound gossip streams: at most {@code maxTotal} open at once, and at most {@code maxPerSource}
 * from one source address (any port), so one host cannot take every slot. Checked at accept, before a byte is
 * read. Thread-safe (accepted channels may live on different event loops).
 */
final class InboundStreamGate {
    private final int maxTotal;
    private final int maxPerSource;
    private final Map<InetAddress, Integer> perSource = new HashMap<>();
    private int total;

    InboundStreamGate(int maxTotal, int maxPerSource) {
        if (maxTotal < 1 || maxPerSource < 1 || maxPerSource > maxTotal) {
            throw new IllegalArgumentException(
                    "need 1 <= maxPerSource (" + maxPerSource + ") <= maxTotal (" + maxTotal + ")");
        }
        this.maxTotal = maxTotal;
        this.maxPerSource = maxPerSource;
    }

    /** Takes a slot for a stream from {@code source}; null if admitted, else why not (nothing taken). */
    synchronized DropReason admit(InetAddress source) {
        if (total >= maxTotal) {
            return DropReason.STREAM_LIMIT;
        }
        int n = perSource.getOrDefault(source, 0);
        if (n >= maxPerSource) {
            return DropReason.STREAM_SOURCE_LIMIT;
        }
        perSource.put(source, n + 1);
        total++;
        return null;
    }

    /** Gives back the slot of an admitted stream that closed. */
    synchronized void release(InetAddress source) {
        Integer n = perSource.get(source);
        if (n == null) {
            return;
        }
        if (n <= 1) {
            perSource.remove(source);
        } else {
            perSource.put(source, n - 1);
        }
        total--;
    }

    synchronized int open() {
        return total;
    }
}
