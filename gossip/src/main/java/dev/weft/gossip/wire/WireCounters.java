package dev.weft.gossip.wire;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** Traffic and drop counters of one gossip node. Thread-safe; read with {@link #snapshot()}. */
public final class WireCounters {
    private final AtomicLong packetsSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong packetsReceived = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong streamsOpened = new AtomicLong();
    private final AtomicLong streamsFailed = new AtomicLong();
    private final AtomicLong sendFailed = new AtomicLong();
    private final AtomicLongArray dropped = new AtomicLongArray(DropReason.values().length);

    /** Immutable copy of the counters. {@code dropped} has an entry for every reason (zero included). */
    public record Snapshot(
            long packetsSent,
            long bytesSent,
            long packetsReceived,
            long bytesReceived,
            long streamsOpened,
            long streamsFailed,
            long sendFailed,
            Map<DropReason, Long> dropped) {
        public long dropped(DropReason r) {
            return dropped.getOrDefault(r, 0L);
        }

        public long droppedTotal() {
            return dropped.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public void sent(int bytes) {
        packetsSent.incrementAndGet();
        bytesSent.addAndGet(bytes);
    }

    /** A packet or frame arrived (counted before any check, so drops are a fraction of this). */
    public void received(int bytes) {
        packetsReceived.incrementAndGet();
        bytesReceived.addAndGet(bytes);
    }

    public void streamOpened() {
        streamsOpened.incrementAndGet();
    }

    public void streamFailed() {
        streamsFailed.incrementAndGet();
    }

    public void sendFailed() {
        sendFailed.incrementAndGet();
    }

    public void drop(DropReason reason) {
        dropped.incrementAndGet(reason.ordinal());
    }

    public long dropped(DropReason reason) {
        return dropped.get(reason.ordinal());
    }

    public Snapshot snapshot() {
        Map<DropReason, Long> d = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            d.put(r, dropped.get(r.ordinal()));
        }
        return new Snapshot(
                packetsSent.get(),
                bytesSent.get(),
                packetsReceived.get(),
                bytesReceived.get(),
                streamsOpened.get(),
                streamsFailed.get(),
                sendFailed.get(),
                Map.copyOf(d));
    }
}
