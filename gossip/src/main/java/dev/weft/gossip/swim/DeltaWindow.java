package dev.weft.gossip.swim;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Which deltas of one origin were seen: per epoch (one start of the origin's engine) the highest sequence number
 * and a bitmap of the {@value #WINDOW} below it. A sequence number older than the window counts as seen (it was
 * delivered, or it is so late that full state has superseded it). A new epoch retires the current one; deltas of
 * the last {@value #RETIRED} retired epochs are refused, so stragglers from a restarted origin's old life are not
 * delivered twice.
 */
final class DeltaWindow {
    static final int WINDOW = 1024;
    static final int RETIRED = 4;

    private long epoch;
    private long highest;
    private final long[] bits = new long[WINDOW / 64];
    private final Deque<Long> retired = new ArrayDeque<>();

    /** True exactly once per (epoch, seq); {@code seq >= 1}. */
    boolean firstTime(long epochOfDelta, long seq) {
        if (highest == 0 || epochOfDelta != epoch) {
            if (retired.contains(epochOfDelta)) {
                return false;
            }
            if (highest != 0) {
                retired.addFirst(epoch);
                if (retired.size() > RETIRED) {
                    retired.removeLast();
                }
            }
            epoch = epochOfDelta;
            highest = 0;
            java.util.Arrays.fill(bits, 0L);
        }
        if (seq > highest) {
            long shift = seq - highest;
            if (shift >= WINDOW) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                for (long s = highest + 1; s <= seq; s++) {
                    clear(s);
                }
            }
            highest = seq;
            set(seq);
            return true;
        }
        if (highest - seq >= WINDOW) {
            return false;
        }
        if (isSet(seq)) {
            return false;
        }
        set(seq);
        return true;
    }

    /** True if {@link #firstTime} would return true, without recording anything (check before verifying). */
    boolean wouldAccept(long epochOfDelta, long seq) {
        if (highest == 0 || epochOfDelta != epoch) {
            return !retired.contains(epochOfDelta);
        }
        if (seq > highest) {
            return true;
        }
        return highest - seq < WINDOW && !isSet(seq);
    }

    private int index(long seq) {
        return (int) (seq % WINDOW);
    }

    private boolean isSet(long seq) {
        int i = index(seq);
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private void set(long seq) {
        int i = index(seq);
        bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long seq) {
        int i = index(seq);
        bits[i >>> 6] &= ~(1L << (i & 63));
    }
}
