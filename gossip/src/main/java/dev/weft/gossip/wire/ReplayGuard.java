package dev.weft.gossip.wire;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replay protection for authenticated packets. Every sender (a 128-bit random session id chosen when its sealer
 * is created) numbers its packets with a counter; we remember, per session, the highest counter and a
 * sliding bitmap of the {@value #WINDOW} counters below it (UDP reorders, so a strict "greater than" would drop
 * good packets). Packets also carry the sender's wall clock, and packets older than the freshness window are
 * refused, so forgetting an idle instance after {@code retentionMillis} (longer than the window) is safe.
 *
 * <p>Only call {@link #accept} after the packet has been authenticated, so forged packets cannot poison state.
 * Thread-safe (synchronized; the critical section is a few array operations).
 */
public final class ReplayGuard {
    /** Width of the per-instance sliding window, in packets. */
    public static final int WINDOW = 1024;

    private final long maxSkewMillis;
    private final long retentionMillis;
    private final int maxInstances;
    private final LinkedHashMap<Session, Window> windows = new LinkedHashMap<>(256, 0.75f, true);

    private record Session(long hi, long lo) {}

    private static final class Window {
        long highest = -1;
        final long[] bits = new long[WINDOW / 64];
        long lastSeenMillis;
    }

    /** Outcome of a check. */
    public enum Verdict {
        FRESH,
        REPLAYED,
        STALE
    }

    /**
     * @param maxSkewMillis   packets whose timestamp differs from our clock by more than this are STALE
     * @param maxInstances    bound on remembered sender instances (least recently used is forgotten)
     */
    public ReplayGuard(long maxSkewMillis, int maxInstances) {
        if (maxSkewMillis <= 0 || maxInstances <= 0) {
            throw new IllegalArgumentException("maxSkewMillis and maxInstances must be positive");
        }
        this.maxSkewMillis = maxSkewMillis;
        this.retentionMillis = 3 * maxSkewMillis;
        this.maxInstances = maxInstances;
    }

    /** A sender known by a 64-bit id (tests, simulations). */
    public Verdict accept(long instance, long counter, long sentAtMillis, long nowMillis) {
        return accept(0, instance, counter, sentAtMillis, nowMillis);
    }

    /** A sender known by its 128-bit session id ({@code sessionHi || sessionLo}). */
    public synchronized Verdict accept(
            long sessionHi, long sessionLo, long counter, long sentAtMillis, long nowMillis) {
        if (Math.abs(nowMillis - sentAtMillis) > maxSkewMillis) {
            return Verdict.STALE;
        }
        if (counter < 0) {
            return Verdict.REPLAYED; // never sealed by us (the sealer stops before the sign bit)
        }
        Session id = new Session(sessionHi, sessionLo);
        Window w = windows.get(id);
        if (w == null) {
            expire(nowMillis);
            w = new Window();
            windows.put(id, w);
        }
        w.lastSeenMillis = nowMillis;
        if (counter > w.highest) {
            long shift = w.highest < 0 ? WINDOW : counter - w.highest;
            shiftLeft(w.bits, shift);
            w.highest = counter;
            set(w.bits, 0);
            return Verdict.FRESH;
        }
        long age = w.highest - counter;
        if (age >= WINDOW) {
            return Verdict.REPLAYED; // too old to tell: refuse (the sender has sent WINDOW newer packets since)
        }
        if (get(w.bits, (int) age)) {
            return Verdict.REPLAYED;
        }
        set(w.bits, (int) age);
        return Verdict.FRESH;
    }

    public synchronized int trackedInstances() {
        return windows.size();
    }

    private void expire(long nowMillis) {
        Iterator<Map.Entry<Session, Window>> it = windows.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Session, Window> e = it.next();
            if (windows.size() >= maxInstances || nowMillis - e.getValue().lastSeenMillis > retentionMillis) {
                it.remove();
            } else {
                break; // access order: the rest are more recent
            }
        }
    }

    // bit i = counter (highest - i) seen
    private static void shiftLeft(long[] bits, long shift) {
        if (shift >= WINDOW) {
            java.util.Arrays.fill(bits, 0L);
            return;
        }
        int words = (int) (shift / 64);
        int rem = (int) (shift % 64);
        for (int i = bits.length - 1; i >= 0; i--) {
            int src = i - words;
            long v = src >= 0 ? bits[src] << rem : 0;
            if (rem != 0 && src - 1 >= 0) {
                v |= bits[src - 1] >>> (64 - rem);
            }
            bits[i] = v;
        }
    }

    private static boolean get(long[] bits, int i) {
        return (bits[i / 64] & (1L << (i % 64))) != 0;
    }

    private static void set(long[] bits, int i) {
        bits[i / 64] |= 1L << (i % 64);
    }
}
