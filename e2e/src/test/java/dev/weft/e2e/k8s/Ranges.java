package dev.weft.e2e.k8s;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * CIDR text (IPv4 or IPv6) as [first, last] address numbers, membership of an address, and coverage of a range
 * by a union of CIDRs. Literals only: nothing is resolved.
 */
final class Ranges {
    private Ranges() {}

    static BigInteger[] bounds(String cidr) {
        String[] parts = cidr.strip().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not a CIDR: " + cidr);
        }
        byte[] a = literal(parts[0]);
        int bits = a.length * 8;
        int len = Integer.parseInt(parts[1]);
        if (len < 0 || len > bits) {
            throw new IllegalArgumentException("bad prefix length in " + cidr);
        }
        BigInteger first = new BigInteger(1, a);
        BigInteger size = BigInteger.ONE.shiftLeft(bits - len);
        if (!first.mod(size).equals(BigInteger.ZERO)) {
            throw new IllegalArgumentException("host bits set in " + cidr);
        }
        return new BigInteger[] {first, first.add(size).subtract(BigInteger.ONE)};
    }

    /** True if the address literal {@code ip} is of the same family as {@code cidr} and inside it. */
    static boolean contains(String cidr, String ip) {
        byte[] a = literal(ip);
        if (a.length != literal(cidr.split("/")[0]).length) {
            return false;
        }
        BigInteger[] b = bounds(cidr);
        BigInteger x = new BigInteger(1, a);
        return x.compareTo(b[0]) >= 0 && x.compareTo(b[1]) <= 0;
    }

    /** True if CIDR {@code inner} is of the same family as CIDR {@code outer} and inside it. */
    static boolean inside(String outer, String inner) {
        return contains(outer, inner.split("/")[0]) && coveredByUnion(List.of(outer), bounds(inner));
    }

    static boolean isIpv6(String ip) {
        return literal(ip).length == 16;
    }

    /** True if the union of {@code cidrs} contains every address of {@code range} ([first, last]). */
    static boolean coveredByUnion(Collection<String> cidrs, BigInteger[] range) {
        List<BigInteger[]> iv =
                new ArrayList<>(cidrs.stream().map(Ranges::bounds).toList());
        iv.sort(Comparator.comparing(x -> x[0]));
        BigInteger next = range[0];
        for (BigInteger[] i : iv) {
            if (i[0].compareTo(next) > 0) {
                break;
            }
            next = next.max(i[1].add(BigInteger.ONE));
            if (next.compareTo(range[1]) > 0) {
                return true;
            }
        }
        return next.compareTo(range[1]) > 0;
    }

    private static byte[] literal(String ip) {
        String s = ip.strip();
        if (!s.matches("[0-9a-fA-F:.]+") || !(s.contains(":") || s.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"))) {
            throw new IllegalArgumentException("not an IP address literal: " + ip);
        }
        try {
            return InetAddress.getByName(s).getAddress(); // a literal: parsed, never resolved
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: " + ip, e);
        }
    }
}
