package dev.weft.e2e.k8s;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** IPv4 CIDR text as [first, last] address numbers, and coverage of a range by a union of CIDRs. */
final class Ranges {
    private Ranges() {}

    static long[] bounds(String cidr) {
        String[] parts = cidr.strip().split("/");
        String[] o = parts[0].split("\\.");
        if (o.length != 4 || parts.length != 2) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + cidr);
        }
        long a = 0;
        for (String x : o) {
            a = (a << 8) | Integer.parseInt(x);
        }
        int len = Integer.parseInt(parts[1]);
        long size = 1L << (32 - len);
        return new long[] {a, a + size - 1};
    }

    /** True if the union of {@code cidrs} contains every address of {@code range} ([first, last]). */
    static boolean coveredByUnion(Collection<String> cidrs, long[] range) {
        List<long[]> iv = new ArrayList<>(cidrs.stream().map(Ranges::bounds).toList());
        iv.sort(Comparator.comparingLong(x -> x[0]));
        long next = range[0];
        for (long[] i : iv) {
            if (i[0] > next) {
                break;
            }
            next = Math.max(next, i[1] + 1);
            if (next > range[1]) {
                return true;
            }
        }
        return next > range[1];
    }
}
