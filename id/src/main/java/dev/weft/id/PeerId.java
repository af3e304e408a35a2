package dev.weft.id;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A peer's identity (DESIGN §3): 64 random bits generated once per node and persisted; never zero. Shown, logged,
 * tabulated and carried on the wire as exactly 16 lower-case hex digits ({@link #toString()}), so every log line and
 * table lines up and a grep for one peer finds all of it. Ordered as unsigned 64-bit numbers.
 */
public record PeerId(long value) implements Comparable<PeerId> {
    private static final HexFormat HEX = HexFormat.of();

    public PeerId {
        if (value == 0) throw new IllegalArgumentException("peer id 0 is reserved");
    }

    public static PeerId of(long value) {
        return new PeerId(value);
    }

    /** A new random id (never zero). */
    public static PeerId random(RandomGenerator random) {
        long v;
        do {
            v = random.nextLong();
        } while (v == 0);
        return new PeerId(v);
    }

    /**
     * Parses exactly 16 hex digits (either case).
     *
     * @throws IllegalArgumentException naming the text and what a peer id looks like
     */
    public static PeerId parse(String text) {
        return tryParse(text)
                .orElseThrow(() -> new IllegalArgumentException(
                        "'" + text + "' is not a peer id (16 hex digits, not all zero, e.g. 3f2a09c1d4e5b6a7)"));
    }

    /** The id for 16 hex digits, or empty for anything else. */
    public static Optional<PeerId> tryParse(String text) {
        if (text == null || text.length() != 16) return Optional.empty();
        for (int i = 0; i < 16; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) return Optional.empty();
        }
        long v = HexFormat.fromHexDigitsToLong(text.toLowerCase(Locale.ROOT));
        return v == 0 ? Optional.empty() : Optional.of(new PeerId(v));
    }

    /** True for exactly 16 lower-case hex digits, not all zero (the canonical form). */
    public static boolean isCanonical(String text) {
        return tryParse(text).map(p -> p.toString().equals(text)).orElse(false);
    }

    @Override
    public int compareTo(PeerId o) {
        return Long.compareUnsigned(value, o.value);
    }

    /** Exactly 16 lower-case hex digits. */
    @Override
    public String toString() {
        return HEX.toHexDigits(value);
    }
}
