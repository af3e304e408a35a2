package dev.weft.ipam.addr;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;

/**
 * An IPv4 or IPv6 address. Immutable; never resolves names.
 *
 * <p>Ordering: every IPv4 address sorts before every IPv6 address; within a family the order is
 * numeric. An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is an IPv6 address here.
 *
 * <p>Stored as two unsigned 64-bit halves: for IPv4 {@code lo} holds the 32-bit value and {@code
 * hi} is zero.
 */
public final class IpAddress implements Comparable<IpAddress> {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    private static final BigInteger MASK_64 = TWO_64.subtract(BigInteger.ONE);

    private final boolean v4;
    private final long hi;
    private final long lo;

    private IpAddress(boolean v4, long hi, long lo) {
        this.v4 = v4;
        this.hi = hi;
        this.lo = lo;
    }

    // ---------------------------------------------------------------- factories

    /** An IPv4 address from its 32-bit value (as an unsigned int). */
    public static IpAddress ipv4(int value) {
        return new IpAddress(true, 0, Integer.toUnsignedLong(value));
    }

    /** An IPv6 address from its two 64-bit halves (most significant first). */
    public static IpAddress ipv6(long high, long low) {
        return new IpAddress(false, high, low);
    }

    /**
     * The address with the given numeric value in the given family.
     *
     * @param bitLength 32 for IPv4, 128 for IPv6
     * @throws IllegalArgumentException if the value is negative or too large for the family
     */
    public static IpAddress fromBigInteger(BigInteger value, int bitLength) {
        if (bitLength != 32 && bitLength != 128) {
            throw new IllegalArgumentException("bit length must be 32 or 128, not " + bitLength);
        }
        if (value.signum() < 0 || value.bitLength() > bitLength) {
            throw new IllegalArgumentException(
                    "value " + value + " is outside the " + bitLength + "-bit address space");
        }
        return new IpAddress(
                bitLength == 32,
                value.shiftRight(64).longValue(),
                value.and(MASK_64).longValue());
    }

    /** The address with raw network-order bytes (4 or 16 of them). */
    public static IpAddress ofBytes(byte[] bytes) {
        if (bytes == null) {
            throw new InvalidAddressException("null", "no bytes");
        }
        if (bytes.length == 4) {
            int v = ((bytes[0] & 0xff) << 24)
                    | ((bytes[1] & 0xff) << 16)
                    | ((bytes[2] & 0xff) << 8)
                    | (bytes[3] & 0xff);
            return ipv4(v);
        }
        if (bytes.length == 16) {
            return new IpAddress(false, readLong(bytes, 0), readLong(bytes, 8));
        }
        throw new InvalidAddressException(HexFormat.of().formatHex(bytes), "need 4 or 16 bytes, got " + bytes.length);
    }

    /** Converts from the JDK type. An {@link Inet6Address} scope id is dropped. */
    public static IpAddress of(InetAddress address) {
        if (address instanceof Inet4Address || address instanceof Inet6Address) {
            return ofBytes(address.getAddress());
        }
        throw new InvalidAddressException(String.valueOf(address), "not an IPv4 or IPv6 address");
    }

    /**
     * Parses dotted-quad IPv4 ({@code 10.32.0.1}) or IPv6 text ({@code fd00::1}, {@code
     * ::ffff:10.0.0.1}). Rejects host names, zone ids, leading zeros in IPv4 octets (ambiguous: octal
     * to some tools) and anything else that is not a literal address.
     *
     * @throws InvalidAddressException naming the input
     */
    public static IpAddress parse(String text) {
        if (text == null) {
            throw new InvalidAddressException("null", "no text");
        }
        if (text.indexOf(':') >= 0) {
            long[] halves = AddressText.parseV6(text);
            return new IpAddress(false, halves[0], halves[1]);
        }
        return ipv4(AddressText.parseV4(text, text));
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = (v << 8) | (b[off + k] & 0xff);
        }
        return v;
    }

    // ---------------------------------------------------------------- accessors

    public boolean isIpv4() {
        return v4;
    }

    public boolean isIpv6() {
        return !v4;
    }

    /** 32 or 128. */
    public int bitLength() {
        return v4 ? 32 : 128;
    }

    /** Network-order bytes, a fresh array (4 or 16 long). */
    public byte[] bytes() {
        if (v4) {
            int v = (int) lo;
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        byte[] b = new byte[16];
        for (int k = 0; k < 8; k++) {
            b[k] = (byte) (hi >>> (56 - 8 * k));
            b[8 + k] = (byte) (lo >>> (56 - 8 * k));
        }
        return b;
    }

    /** The JDK type (no name lookup happens). IPv4-mapped IPv6 becomes an Inet4Address (JDK rule). */
    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(bytes());
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always accepted", e);
        }
    }

    /** The numeric value, unsigned. */
    public BigInteger toBigInteger() {
        if (v4) {
            return BigInteger.valueOf(lo);
        }
        BigInteger h = new BigInteger(Long.toUnsignedString(hi));
        return h.shiftLeft(64).or(new BigInteger(Long.toUnsignedString(lo)));
    }

    /** The 32-bit value of an IPv4 address. */
    public int toIpv4Int() {
        if (!v4) {
            throw new IllegalStateException(this + " is not IPv4");
        }
        return (int) lo;
    }

    /** The upper 64 bits (0 for IPv4). */
    public long high64() {
        return hi;
    }

    /** The lower 64 bits (the 32-bit value for IPv4). */
    public long low64() {
        return lo;
    }

    // ---------------------------------------------------------------- arithmetic

    /**
     * This address plus {@code n} (which may be negative).
     *
     * @throws ArithmeticException if the result leaves the address family's space
     */
    public IpAddress plus(long n) {
        if (v4) {
            long r = lo + n;
            if (n > (1L << 33) || n < -(1L << 33) || r < 0 || r > 0xffffffffL) {
                throw new ArithmeticException(this + " + " + n + " leaves the IPv4 space");
            }
            return new IpAddress(true, 0, r);
        }
        if (n >= 0) {
            long l = lo + n;
            long h = hi + (Long.compareUnsigned(l, lo) < 0 ? 1 : 0);
            if (hi == -1L && h == 0) {
                throw new ArithmeticException(this + " + " + n + " leaves the IPv6 space");
            }
            return new IpAddress(false, h, l);
        }
        return plus(BigInteger.valueOf(n));
    }

    /**
     * This address plus {@code n}.
     *
     * @throws ArithmeticException if the result leaves the address family's space
     */
    public IpAddress plus(BigInteger n) {
        BigInteger r = toBigInteger().add(n);
        if (r.signum() < 0 || r.bitLength() > bitLength()) {
            throw new ArithmeticException(this + " + " + n + " leaves the address space");
        }
        return fromBigInteger(r, bitLength());
    }

    /** {@code other - this} as a number (negative when other is lower). Same family only. */
    public BigInteger distanceTo(IpAddress other) {
        requireSameFamily(other);
        return other.toBigInteger().subtract(toBigInteger());
    }

    /** The next address, or throws ArithmeticException at the top of the space. */
    public IpAddress next() {
        return plus(1);
    }

    /** The previous address, or throws ArithmeticException at the bottom of the space. */
    public IpAddress previous() {
        return plus(-1);
    }

    /** True if this is the highest address of its family. */
    public boolean isMax() {
        return v4 ? lo == 0xffffffffL : (hi == -1L && lo == -1L);
    }

    /** True if the lowest {@code hostBits} bits are all zero (the address starts a block of 2^hostBits). */
    public boolean isAligned(int hostBits) {
        return trailingZeros() >= hostBits;
    }

    /** Same family as {@code other}? */
    public boolean sameFamily(IpAddress other) {
        return v4 == other.v4;
    }

    void requireSameFamily(IpAddress other) {
        if (v4 != other.v4) {
            throw new IllegalArgumentException("address family mismatch: " + this + " and " + other);
        }
    }

    /** Address with the lowest {@code hostBits} bits cleared. */
    IpAddress maskHostBits(int hostBits) {
        if (hostBits == 0) {
            return this;
        }
        if (hostBits >= 64) {
            long h = hostBits >= 128 ? 0 : hi & (-1L << (hostBits - 64));
            return new IpAddress(v4, h, 0);
        }
        return new IpAddress(v4, hi, lo & (-1L << hostBits));
    }

    /** Address with the lowest {@code hostBits} bits set. */
    IpAddress fillHostBits(int hostBits) {
        if (hostBits == 0) {
            return this;
        }
        if (v4) {
            return new IpAddress(true, 0, lo | ((1L << hostBits) - 1));
        }
        if (hostBits >= 64) {
            long h = hostBits >= 128 ? -1L : hi | ((1L << (hostBits - 64)) - 1);
            return new IpAddress(false, h, -1L);
        }
        return new IpAddress(false, hi, lo | ((1L << hostBits) - 1));
    }

    /** Number of trailing zero bits, capped at the bit length. */
    int trailingZeros() {
        if (lo != 0) {
            return Long.numberOfTrailingZeros(lo);
        }
        if (v4) {
            return 32;
        }
        return hi == 0 ? 128 : 64 + Long.numberOfTrailingZeros(hi);
    }

    // ---------------------------------------------------------------- Object

    @Override
    public int compareTo(IpAddress o) {
        if (v4 != o.v4) {
            return v4 ? -1 : 1;
        }
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && a.v4 == v4 && a.hi == hi && a.lo == lo;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hi) * 31 + Long.hashCode(lo) + (v4 ? 7 : 0);
    }

    /**
     * Canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lower case, the longest run of two
     * or more zero groups compressed, the first such run on a tie, {@code ::ffff:a.b.c.d} for
     * IPv4-mapped addresses).
     */
    @Override
    public String toString() {
        return v4 ? AddressText.formatV4((int) lo) : AddressText.formatV6(hi, lo);
    }
}
