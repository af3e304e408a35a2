package dev.weft.ipam.ring;

import dev.weft.ipam.addr.Cidr;

/**
 * The cluster range and the minimum block every ring token is aligned to.
 *
 * @param range the cluster range, e.g. {@code 10.32.0.0/12} (default)
 * @param minBlock a power of two, at most the range size (default 64)
 */
public record RingConfig(Cidr range, int minBlock) {
    public static final Cidr DEFAULT_RANGE = Cidr.parse("10.32.0.0/12");
    public static final int DEFAULT_MIN_BLOCK = 64;

    public RingConfig {
        if (range == null) {
            throw new IllegalArgumentException("cluster range is required");
        }
        if (minBlock < 1 || Integer.bitCount(minBlock) != 1) {
            throw new IllegalArgumentException("minimum block must be a power of two, got " + minBlock);
        }
        if (Integer.numberOfTrailingZeros(minBlock) > range.hostBits()) {
            throw new IllegalArgumentException(
                    "minimum block " + minBlock + " is larger than the cluster range " + range);
        }
    }

    public static RingConfig defaults() {
        return new RingConfig(DEFAULT_RANGE, DEFAULT_MIN_BLOCK);
    }

    /** log2(minBlock). */
    public int blockBits() {
        return Integer.numberOfTrailingZeros(minBlock);
    }

    @Override
    public String toString() {
        return "range=" + range + " minBlock=" + minBlock;
    }
}
