package dev.weft.ipam.ring;

import dev.weft.ipam.addr.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Set arithmetic on sorted lists of disjoint, non-empty ranges of one family. */
public final class Intervals {
    private Intervals() {}

    /** The addresses in {@code a} that are not in {@code b}, as sorted disjoint ranges. */
    public static List<IpRange> subtract(List<IpRange> a, List<IpRange> b) {
        List<IpRange> out = new ArrayList<>();
        int j = 0;
        for (IpRange r : a) {
            BigInteger cur = r.start().toBigInteger();
            BigInteger end = r.endValue();
            while (j < b.size() && b.get(j).endValue().compareTo(cur) <= 0) {
                j++;
            }
            int k = j;
            while (cur.compareTo(end) < 0) {
                if (k >= b.size() || b.get(k).start().toBigInteger().compareTo(end) >= 0) {
                    out.add(IpRange.ofSize(r.start().plus(cur.subtract(r.start().toBigInteger())), end.subtract(cur)));
                    break;
                }
                BigInteger bs = b.get(k).start().toBigInteger();
                if (bs.compareTo(cur) > 0) {
                    out.add(IpRange.ofSize(r.start().plus(cur.subtract(r.start().toBigInteger())), bs.subtract(cur)));
                }
                cur = cur.max(b.get(k).endValue());
                k++;
            }
        }
        return out;
    }
}
