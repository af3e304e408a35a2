package dev.weft.ipam;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a donor gives for a space request: a pure function of the donor's entries, the addresses it
 * must keep and the ask (table-tested in {@code DonationPlannerTest}).
 *
 * <p>Rules: the piece is the block-aligned tail of the largest aligned free run inside one entry
 * (a piece never spans two entries: the ring splits one entry per donation); it is at most half the
 * donor's free addresses, rounded down to whole blocks, and at most what was asked for (rounded up
 * to whole blocks; 0 asks for as much as the donor can spare). An allocated address, the gateway
 * and the reserved addresses (the cluster range's first and last) are never given away.
 */
final class DonationPlanner {
    private DonationPlanner() {}

    /** The outcome: a piece to give, or why not. */
    sealed interface Plan {}

    record Give(IpRange piece) implements Plan {}

    record Refuse(String reason) implements Plan {}

    /**
     * @param blockBits log2 of the minimum block every token is aligned to
     * @param entries the ranges of the donor's ring entries, one per entry, in address order
     * @param allocated addresses held by pods
     * @param gateway the donor's gateway/VTEP address, if any
     * @param reserved addresses never handed out (the cluster range's first and last)
     * @param wanted addresses asked for; 0 means as many as the donor can spare
     */
    static Plan plan(
            int blockBits,
            List<IpRange> entries,
            Collection<IpAddress> allocated,
            Optional<IpAddress> gateway,
            Collection<IpAddress> reserved,
            long wanted) {
        TreeSet<IpAddress> taken = new TreeSet<>(allocated);
        gateway.ifPresent(taken::add);
        taken.addAll(reserved);
        long block = 1L << blockBits;
        long free = 0;
        IpRange bestRun = null;
        BigInteger bestBlocks = BigInteger.ZERO;
        for (IpRange entry : entries) {
            for (IpRange run : freeRuns(entry, taken)) {
                free = saturatingAdd(free, saturate(run.size()));
                BigInteger s = run.start().toBigInteger();
                BigInteger alignedStart = s.add(BigInteger.valueOf(block - 1))
                        .shiftRight(blockBits)
                        .shiftLeft(blockBits);
                BigInteger alignedEnd = run.endValue().shiftRight(blockBits).shiftLeft(blockBits);
                if (alignedEnd.compareTo(alignedStart) <= 0) {
                    continue;
                }
                BigInteger blocks = alignedEnd.subtract(alignedStart).shiftRight(blockBits);
                if (blocks.compareTo(bestBlocks) > 0) {
                    bestBlocks = blocks;
                    bestRun = IpRange.ofSize(
                            run.start().plus(alignedStart.subtract(s)), alignedEnd.subtract(alignedStart));
                }
            }
        }
        long limitBlocks = (free / 2) >> blockBits;
        if (wanted > 0) {
            limitBlocks = Math.min(limitBlocks, (wanted + block - 1) >> blockBits);
        }
        long take = Math.min(
                limitBlocks,
                bestBlocks.min(BigInteger.valueOf(Long.MAX_VALUE >> 1)).longValue());
        if (bestRun == null || take <= 0) {
            return new Refuse(
                    "has " + free + " free addresses and no free aligned block of " + block + " it can spare");
        }
        BigInteger size = BigInteger.valueOf(take).shiftLeft(blockBits);
        return new Give(IpRange.ofSize(bestRun.start().plus(bestRun.size().subtract(size)), size));
    }

    /** Maximal runs of addresses of {@code r} not in {@code taken}, in address order. */
    private static List<IpRange> freeRuns(IpRange r, TreeSet<IpAddress> taken) {
        List<IpRange> out = new ArrayList<>();
        if (r.isEmpty()) {
            return out;
        }
        BigInteger cur = r.start().toBigInteger();
        for (IpAddress t : taken.subSet(r.start(), true, r.last(), true)) {
            BigInteger tv = t.toBigInteger();
            if (tv.compareTo(cur) > 0) {
                out.add(IpRange.ofSize(IpAddress.fromBigInteger(cur, t.bitLength()), tv.subtract(cur)));
            }
            cur = tv.add(BigInteger.ONE);
        }
        if (cur.compareTo(r.endValue()) < 0) {
            out.add(IpRange.ofSize(
                    IpAddress.fromBigInteger(cur, r.start().bitLength()),
                    r.endValue().subtract(cur)));
        }
        return out;
    }

    private static long saturate(BigInteger v) {
        return v.bitLength() > 63 ? Long.MAX_VALUE : v.longValue();
    }

    private static long saturatingAdd(long a, long b) {
        long x = a + b;
        return x < 0 ? Long.MAX_VALUE : x;
    }
}
