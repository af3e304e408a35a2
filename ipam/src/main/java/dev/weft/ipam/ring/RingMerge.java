package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The join of the ring CRDT. Per token the higher version wins; an equal version with a different
 * owner is a conflict (reported, nothing applied); at equal version and owner the lower free count
 * wins (it is an advisory hint). Tombstones are a grow-only map; one peer reclaimed by two
 * different peers is a conflict. After the union every free count is clamped to its entry's size
 * (see {@link #clampFree}). The same join serves whole rings and {@link RingDelta}s: a delta is a
 * ring restricted to some tokens, so merging it touches only those tokens (a token new here splits
 * the entry it falls in). The join is commutative, associative and idempotent (jqwik properties).
 */
final class RingMerge {
    private RingMerge() {}

    static Ring.MergeResult merge(
            Ring local,
            RingConfig otherConfig,
            RingGenesis otherGenesis,
            RingEntry[] other,
            Map<Long, Long> otherTombstones,
            String otherDescription) {
        if (!local.config().equals(otherConfig) || !local.genesis().equals(otherGenesis)) {
            throw new RingMismatchException(local.describe(), otherDescription);
        }
        RingEntry[] mine = local.entryArray();
        List<String> conflicts = new ArrayList<>();
        RingEntry[] out = new RingEntry[mine.length + other.length];
        int n = 0;
        boolean changed = false;
        int i = 0;
        int j = 0;
        while (i < mine.length || j < other.length) {
            int c = i == mine.length
                    ? 1
                    : j == other.length ? -1 : mine[i].token().compareTo(other[j].token());
            if (c < 0) {
                out[n++] = mine[i++];
            } else if (c > 0) {
                out[n++] = other[j++];
                changed = true;
            } else {
                RingEntry a = mine[i++];
                RingEntry b = other[j++];
                if (a.version() > b.version()) {
                    out[n++] = a;
                } else if (b.version() > a.version()) {
                    out[n++] = b;
                    changed = true;
                } else {
                    if (a.owner() != b.owner()) {
                        conflicts.add("token " + a.token() + " version " + a.version() + ": " + a + " vs " + b);
                    }
                    if (b.free() < a.free()) {
                        out[n++] = b;
                        changed = true;
                    } else {
                        out[n++] = a;
                    }
                }
            }
        }
        Map<Long, Long> tombs = local.tombstones();
        for (Map.Entry<Long, Long> t : otherTombstones.entrySet()) {
            Long have = local.tombstones().get(t.getKey());
            if (have == null) {
                if (tombs == local.tombstones()) {
                    tombs = new TreeMap<>(local.tombstones());
                }
                tombs.put(t.getKey(), t.getValue());
                changed = true;
            } else if (!have.equals(t.getValue())) {
                conflicts.add("peer " + PeerId.of(t.getKey()) + " reclaimed by both " + PeerId.of(have) + " and "
                        + PeerId.of(t.getValue()));
            }
        }
        if (!conflicts.isEmpty()) {
            throw new RingConflictException(conflicts);
        }
        if (!changed) {
            return new Ring.MergeResult(local, false);
        }
        RingEntry[] merged = Arrays.copyOf(out, n);
        clampFree(local.config(), merged);
        return new Ring.MergeResult(new Ring(local.config(), local.genesis(), merged, tombs), true);
    }

    /**
     * Judges a merge as peer {@code self}: refuses it if it would give away a range of {@code self}
     * for which {@code inUse} answers true, and reports gained and lost ranges and removal.
     */
    static Ring.PeerMergeResult asPeer(Ring local, Ring.MergeResult m, long self, Predicate<IpRange> inUse) {
        boolean removed = m.ring().isRemoved(self);
        if (!m.changed()) {
            return new Ring.PeerMergeResult(local, false, removed, List.of(), List.of());
        }
        List<IpRange> before = local.rangesOwnedBy(self);
        List<IpRange> after = m.ring().rangesOwnedBy(self);
        List<IpRange> lost = Intervals.subtract(before, after);
        for (IpRange r : lost) {
            if (inUse.test(r)) {
                throw new RangeTakeoverRefusedException(
                        r,
                        PeerId.of(self),
                        PeerId.of(m.ring().ownerOf(r.start()).orElseThrow()),
                        removed);
            }
        }
        return new Ring.PeerMergeResult(m.ring(), true, removed, Intervals.subtract(after, before), lost);
    }

    /**
     * A token can appear inside an entry whose owner did not know it (a reclaimer taking over a dead
     * peer's entry before the dead peer's last split reached it, or a delta carrying a split); the
     * entry's range then shrinks and its free count may exceed it. The count is clamped to the
     * range, deterministically, so {@code free <= size} holds in every merged ring.
     */
    private static void clampFree(RingConfig config, RingEntry[] es) {
        for (int i = 0; i < es.length; i++) {
            RingEntry e = es[i];
            long size = sizeBetween(config, es, i);
            if (e.free() > size) {
                es[i] = new RingEntry(e.token(), e.owner(), e.version(), size);
            }
        }
    }

    private static long sizeBetween(RingConfig config, RingEntry[] es, int i) {
        IpAddress t = es[i].token();
        if (i + 1 < es.length) {
            return Ring.saturate(t.distanceTo(es[i + 1].token()));
        }
        return Ring.saturate(t.distanceTo(config.range().last()).add(BigInteger.ONE));
    }
}
