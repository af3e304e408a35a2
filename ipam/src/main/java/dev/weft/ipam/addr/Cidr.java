package dev.weft.ipam.addr;

import java.math.BigInteger;

/**
 * A CIDR block: a network address with no host bits set and a prefix length. Immutable.
 *
 * <p>{@link #of} and {@link #parse} reject host bits ({@code 10.0.0.1/8} is a typo more often
 * than not); {@link #containing} masks them off on purpose. Ordering: by network address, then
 * shorter prefix first.
 */
public final class Cidr implements Comparable<Cidr> {
    private final IpAddress network;
    private final int prefixLength;

    private Cidr(IpAddress network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * The block {@code network/prefixLength}.
     *
     * @throws InvalidAddressException if the prefix is out of range or host bits are set
     */
    public static Cidr of(IpAddress network, int prefixLength) {
        String text = network + "/" + prefixLength;
        checkPrefix(text, network, prefixLength);
        if (!network.maskHostBits(network.bitLength() - prefixLength).equals(network)) {
            throw new InvalidAddressException(
                    text,
                    "host bits are set (the network is "
                            + network.maskHostBits(network.bitLength() - prefixLength)
                            + "/"
                            + prefixLength
                            + ")");
        }
        return new Cidr(network, prefixLength);
    }

    /**
     * The block of the given prefix length that contains {@code address}: host bits are cleared, so
     * {@code containing(10.1.2.3, 16)} is {@code 10.1.0.0/16}.
     */
    public static Cidr containing(IpAddress address, int prefixLength) {
        checkPrefix(address + "/" + prefixLength, address, prefixLength);
        return new Cidr(address.maskHostBits(address.bitLength() - prefixLength), prefixLength);
    }

    /** The single-address block ({@code /32} or {@code /128}). */
    public static Cidr host(IpAddress address) {
        return new Cidr(address, address.bitLength());
    }

    /**
     * Parses {@code address/prefix}, e.g. {@code 10.32.0.0/12} or {@code fd00:32::/48}. Host bits
     * must be clear.
     *
     * @throws InvalidAddressException naming the input
     */
    public static Cidr parse(String text) {
        if (text == null) {
            throw new InvalidAddressException("null", "no text");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new InvalidAddressException(text, "CIDR needs '/prefix'");
        }
        IpAddress address;
        try {
            address = IpAddress.parse(text.substring(0, slash));
        } catch (InvalidAddressException e) {
            throw new InvalidAddressException(text, e.getMessage());
        }
        String p = text.substring(slash + 1);
        if (p.isEmpty()
                || p.length() > 3
                || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                || (p.length() > 1 && p.charAt(0) == '0')) {
            throw new InvalidAddressException(text, "prefix length '" + p + "' is not a number");
        }
        int prefix = Integer.parseInt(p);
        checkPrefix(text, address, prefix);
        if (!address.maskHostBits(address.bitLength() - prefix).equals(address)) {
            throw new InvalidAddressException(
                    text,
                    "host bits are set (did you mean "
                            + address.maskHostBits(address.bitLength() - prefix)
                            + "/"
                            + prefix
                            + "?)");
        }
        return new Cidr(address, prefix);
    }

    private static void checkPrefix(String text, IpAddress address, int prefixLength) {
        if (prefixLength < 0 || prefixLength > address.bitLength()) {
            throw new InvalidAddressException(
                    text, "prefix length must be 0.." + address.bitLength() + ", got " + prefixLength);
        }
    }

    public IpAddress network() {
        return network;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isIpv4() {
        return network.isIpv4();
    }

    /** Number of host bits ({@code bitLength - prefixLength}). */
    public int hostBits() {
        return network.bitLength() - prefixLength;
    }

    /** The first address (the network address). */
    public IpAddress first() {
        return network;
    }

    /** The last address (all host bits set). */
    public IpAddress last() {
        return network.fillHostBits(hostBits());
    }

    /** Number of addresses, {@code 2^hostBits}. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(hostBits());
    }

    /**
     * Number of addresses as a long.
     *
     * @throws ArithmeticException if it is {@code 2^63} or more (IPv6 blocks of /65 and shorter)
     */
    public long sizeLong() {
        if (hostBits() > 62) {
            throw new ArithmeticException(this + " has more than 2^62 addresses");
        }
        return 1L << hostBits();
    }

    /** True if {@code address} is in this block (false for the other family). */
    public boolean contains(IpAddress address) {
        return address.sameFamily(network) && address.maskHostBits(hostBits()).equals(network);
    }

    /** True if every address of {@code other} is in this block. */
    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    /** True if the blocks share an address (CIDR blocks either nest or are disjoint). */
    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** This block as a half-open range. */
    public IpRange toRange() {
        return IpRange.ofSize(network, size());
    }

    @Override
    public int compareTo(Cidr o) {
        int c = network.compareTo(o.network);
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && c.network.equals(network);
    }

    @Override
    public int hashCode() {
        return network.hashCode() * 131 + prefixLength;
    }

    /** {@code network/prefix}, the network in canonical form. */
    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }
}
