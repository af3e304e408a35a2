package dev.weft.ipam.addr;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A half-open range of addresses {@code [start, end)} in one family. Immutable. May be empty.
 *
 * <p>The exclusive end can be one past the highest address of the family (e.g. the range of
 * {@code 0.0.0.0/0}); it is therefore kept as a number ({@link #endValue()}), and {@link #end()}
 * works only when the end is a real address.
 */
public final class IpRange implements Comparable<IpRange> {
    private final IpAddress start;
    private final BigInteger startValue;
    private final BigInteger endValue;

    private IpRange(IpAddress start, BigInteger startValue, BigInteger endValue) {
        this.start = start;
        this.startValue = startValue;
        this.endValue = endValue;
    }

    /**
     * {@code [start, end)}.
     *
     * @throws IllegalArgumentException on mixed families or {@code end < start}
     */
    public static IpRange of(IpAddress start, IpAddress end) {
        start.requireSameFamily(end);
        if (end.compareTo(start) < 0) {
            throw new IllegalArgumentException("range end " + end + " is below its start " + start);
        }
        return new IpRange(start, start.toBigInteger(), end.toBigInteger());
    }

    /** {@code [first, last]} — lets a range reach the top of the address space. */
    public static IpRange inclusive(IpAddress first, IpAddress last) {
        first.requireSameFamily(last);
        if (last.compareTo(first) < 0) {
            throw new IllegalArgumentException("range last " + last + " is below its first " + first);
        }
        return new IpRange(first, first.toBigInteger(), last.toBigInteger().add(BigInteger.ONE));
    }

    /**
     * {@code [start, start + size)}.
     *
     * @throws IllegalArgumentException if size is negative or the range leaves the address space
     */
    public static IpRange ofSize(IpAddress start, BigInteger size) {
        if (size.signum() < 0) {
            throw new IllegalArgumentException("negative range size " + size);
        }
        BigInteger s = start.toBigInteger();
        BigInteger e = s.add(size);
        if (e.compareTo(BigInteger.ONE.shiftLeft(start.bitLength())) > 0) {
            throw new IllegalArgumentException(
                    "range of " + size + " addresses from " + start + " leaves the address space");
        }
        return new IpRange(start, s, e);
    }

    /**
     * Parses {@code first-last} (inclusive, as operators write it), e.g. {@code
     * 10.0.0.10-10.0.0.20}.
     */
    public static IpRange parse(String text) {
        if (text == null) {
            throw new InvalidAddressException("null", "no text");
        }
        int dash = text.indexOf('-');
        if (dash < 0) {
            throw new InvalidAddressException(text, "range needs 'first-last'");
        }
        try {
            IpAddress a = IpAddress.parse(text.substring(0, dash).trim());
            IpAddress b = IpAddress.parse(text.substring(dash + 1).trim());
            if (!a.sameFamily(b)) {
                throw new InvalidAddressException(text, "mixed address families");
            }
            if (b.compareTo(a) < 0) {
                throw new InvalidAddressException(text, "last address is below the first");
            }
            return inclusive(a, b);
        } catch (InvalidAddressException e) {
            if (e.input().equals(text)) {
                throw e;
            }
            throw new InvalidAddressException(text, e.getMessage());
        }
    }

    public IpAddress start() {
        return start;
    }

    /**
     * The exclusive end address.
     *
     * @throws IllegalStateException if the range reaches the top of the address space (use {@link
     *     #endValue()} or {@link #last()})
     */
    public IpAddress end() {
        if (endValue.bitLength() > start.bitLength()) {
            throw new IllegalStateException("range " + this + " ends past the last address");
        }
        return IpAddress.fromBigInteger(endValue, start.bitLength());
    }

    /** The exclusive end as a number (may be {@code 2^bitLength}). */
    public BigInteger endValue() {
        return endValue;
    }

    /** The last address. @throws IllegalStateException if empty */
    public IpAddress last() {
        if (isEmpty()) {
            throw new IllegalStateException("empty range at " + start + " has no last address");
        }
        return IpAddress.fromBigInteger(endValue.subtract(BigInteger.ONE), start.bitLength());
    }

    public boolean isIpv4() {
        return start.isIpv4();
    }

    public boolean isEmpty() {
        return endValue.equals(startValue);
    }

    public BigInteger size() {
        return endValue.subtract(startValue);
    }

    /** Size as a long. @throws ArithmeticException if it does not fit */
    public long sizeLong() {
        return size().longValueExact();
    }

    public boolean contains(IpAddress a) {
        if (!a.sameFamily(start)) {
            return false;
        }
        BigInteger v = a.toBigInteger();
        return v.compareTo(startValue) >= 0 && v.compareTo(endValue) < 0;
    }

    /** True if every address of {@code other} is in this range (an empty range is in any range of its family). */
    public boolean contains(IpRange other) {
        if (!other.start.sameFamily(start)) {
            return false;
        }
        if (other.isEmpty()) {
            return true;
        }
        return other.startValue.compareTo(startValue) >= 0 && other.endValue.compareTo(endValue) <= 0;
    }

    public boolean contains(Cidr cidr) {
        return contains(cidr.toRange());
    }

    /** True if the ranges share at least one address. */
    public boolean overlaps(IpRange other) {
        return other.start.sameFamily(start)
                && !isEmpty()
                && !other.isEmpty()
                && startValue.compareTo(other.endValue) < 0
                && other.startValue.compareTo(endValue) < 0;
    }

    /**
     * The minimal list of CIDR blocks that exactly cover this range, in address order. Empty for an
     * empty range.
     */
    public List<Cidr> toCidrs() {
        List<Cidr> out = new ArrayList<>();
        int bits = start.bitLength();
        BigInteger cur = startValue;
        IpAddress curAddr = start;
        while (cur.compareTo(endValue) < 0) {
            BigInteger remaining = endValue.subtract(cur);
            // largest block aligned at cur: limited by cur's trailing zeros and by what remains
            int align = curAddr.trailingZeros();
            int fit = remaining.bitLength() - 1; // floor(log2(remaining))
            int hostBits = Math.min(align, fit);
            out.add(Cidr.of(curAddr, bits - hostBits));
            cur = cur.add(BigInteger.ONE.shiftLeft(hostBits));
            if (cur.compareTo(endValue) < 0) {
                curAddr = IpAddress.fromBigInteger(cur, bits);
            }
        }
        return out;
    }

    @Override
    public int compareTo(IpRange o) {
        int c = start.compareTo(o.start);
        return c != 0 ? c : endValue.compareTo(o.endValue);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpRange r && r.start.equals(start) && r.endValue.equals(endValue);
    }

    @Override
    public int hashCode() {
        return start.hashCode() * 31 + endValue.hashCode();
    }

    /** {@code [start, end)} with the end in address form, or {@code [start, last]} at the top. */
    @Override
    public String toString() {
        if (endValue.bitLength() > start.bitLength()) {
            return "[" + start + ", " + last() + "]";
        }
        return "[" + start + ", " + end() + ")";
    }
}
