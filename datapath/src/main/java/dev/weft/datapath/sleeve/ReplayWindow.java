package dev.weft.datapath.sleeve;

/**
 * Sliding-window replay protection for 64-bit packet counters (RFC 6479 style bitmap). A counter is
 * accepted once; counters more than {@link #SIZE} - 64 behind the highest seen are rejected as
 * too old. Check with {@link #canAccept} before spending time on decryption, and {@link #accept}
 * only after the packet authenticated. Not thread-safe: callers synchronise.
 */
final class ReplayWindow {
    static final int SIZE = 2048;
    private static final int WORDS = SIZE / 64;
    private static final int USABLE = SIZE - 64;

    private final long[] bits = new long[WORDS];
    private long highest = -1;

    boolean canAccept(long counter) {
        if (counter < 0) return false;
        if (counter > highest) return true;
        if (highest - counter >= USABLE) return false;
        int word = (int) ((counter >>> 6) & (WORDS - 1));
        return (bits[word] & (1L << (counter & 63))) == 0;
    }

    /** Marks {@code counter} seen; returns false if it was already seen or is too old. */
    boolean accept(long counter) {
        if (!canAccept(counter)) return false;
        if (counter > highest) {
            long currentWord = highest < 0 ? -1 : highest >>> 6;
            long newWord = counter >>> 6;
            long clear = Math.min(newWord - currentWord, WORDS);
            for (long i = 1; i <= clear; i++) {
                bits[(int) ((currentWord + i) & (WORDS - 1))] = 0;
            }
            highest = counter;
        }
        int word = (int) ((counter >>> 6) & (WORDS - 1));
        bits[word] |= 1L << (counter & 63);
        return true;
    }

    long highest() {
        return highest;
    }
}
