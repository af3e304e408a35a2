package dev.weft.datapath.sleeve;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sleeve's drops (every {@code rx_drop_*} and {@code tx_drop_*} counter) as at most one summary line a minute:
 * each reason seen since the previous line with its count, never a line per packet. Time is passed in
 * ({@link #check(long)}, monotonic nanoseconds), so a test drives it with a simulated clock; the agent calls it from
 * the sleeve's once-a-second tick.
 */
public final class SleeveDropLog {
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final SleeveCounters counters;
    private final Consumer<String> sink;
    private final Map<SleeveCounter, Long> logged = new EnumMap<>(SleeveCounter.class);
    private long loggedAt;
    private boolean everLogged;

    public SleeveDropLog(SleeveCounters counters, Consumer<String> sink) {
        this.counters = counters;
        this.sink = sink;
    }

    /** True for the counters that count dropped packets. */
    public static boolean isDrop(SleeveCounter c) {
        return c.metricName().startsWith("rx_drop_") || c.metricName().startsWith("tx_drop_");
    }

    /** Logs one summary of the drops since the last line, unless nothing was dropped or the last line is recent. */
    public void check(long now) {
        if (everLogged && now - loggedAt < INTERVAL_NANOS) {
            return;
        }
        StringBuilder line = new StringBuilder();
        long total = 0;
        for (SleeveCounter c : SleeveCounter.values()) {
            if (!isDrop(c)) continue;
            long n = counters.get(c);
            long before = logged.getOrDefault(c, 0L);
            if (n > before) {
                total += n - before;
                line.append("; reason=")
                        .append(c.metricName())
                        .append(" count=")
                        .append(n - before);
                String hint = hint(c);
                if (!hint.isEmpty()) line.append(": ").append(hint);
                logged.put(c, n);
            }
        }
        if (total == 0) {
            return;
        }
        sink.accept("sleeve dropped " + total + " packet(s)"
                + (everLogged ? " in the last " + TimeUnit.NANOSECONDS.toSeconds(now - loggedAt) + " s" : "")
                + line
                + " (counted in weft_sleeve_dropped_packets_total; logged at most once a minute)");
        loggedAt = now;
        everLogged = true;
    }

    static String hint(SleeveCounter c) {
        return switch (c) {
            case RX_AUTH_FAILED ->
                "frames that fail authentication (forged, corrupted, or sealed with another secret); "
                        + "firewall UDP 6771 to node addresses";
            case RX_UNKNOWN_KEY, RX_NO_KEY ->
                "frames under a key this node does not have: check that every node has the same secret file";
            case RX_REPLAY -> "replayed or duplicated frames";
            case RX_UNKNOWN_SENDER ->
                "frames from an address or id that is not a peer (a stranger, or a peer not yet known)";
            case RX_SPOOFED_SOURCE -> "inner source addresses outside the sender's ranges (spoofing)";
            case RX_MALFORMED, RX_WRONG_VNI, RX_NOT_IP, RX_ARP -> "traffic on the sleeve port that is not Weft's";
            default -> "";
        };
    }
}
