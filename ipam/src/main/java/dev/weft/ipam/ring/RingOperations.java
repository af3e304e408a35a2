package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * The owner operations on a ring: each returns a new ring in which the acting peer ({@code self})
 * changed entries it owns (or takes over), raising their versions. They are the only source of new
 * entry versions; pod allocations do not change the ring.
 */
final class RingOperations {
    private RingOperations() {}

    /**
     * The node named {@code nickname} takes over its seed share: entries owned by the placeholder of
     * that name become owned by {@code self}. Returns the ring itself if there is nothing to claim.
     */
    static Ring claimSeed(Ring ring, long self, String nickname) {
        requireActive(ring, self);
        long placeholder = RingGenesis.seedPlaceholder(nickname);
        if (!ring.genesis().id().startsWith("seeds:") || ring.isRemoved(placeholder)) {
            return ring;
        }
        RingEntry[] out = ring.entryArray().clone();
        boolean changed = false;
        for (int i = 0; i < out.length; i++) {
            RingEntry e = out[i];
            if (e.owner() == placeholder) {
                out[i] = new RingEntry(e.token(), self, e.version() + 1, e.free());
                changed = true;
            }
        }
        return changed ? new Ring(ring.config(), ring.genesis(), out, ring.tombstones()) : ring;
    }

    /**
     * {@code self} reports the free count of its entry at {@code token}; the version bumps if it
     * changed. Not used by {@code IpamNode} (allocations no longer touch the ring); the history
     * generators of the property tests use it to make same-owner version bumps.
     */
    static Ring withFree(Ring ring, long self, IpAddress token, long free) {
        requireActive(ring, self);
        int i = ring.indexOf(token);
        if (i < 0 || !ring.entryArray()[i].token().equals(token)) {
            throw new RingOperationException("no ring entry at token " + token);
        }
        RingEntry e = ring.entryArray()[i];
        requireOwner(ring, self, i);
        if (free < 0 || free > ring.sizeOf(i)) {
            throw new RingOperationException(
                    "free count " + free + " does not fit range=" + ring.rangeOf(i) + " (size " + ring.sizeOf(i) + ")");
        }
        if (e.free() == free) {
            return ring;
        }
        RingEntry[] out = ring.entryArray().clone();
        out[i] = new RingEntry(e.token(), e.owner(), e.version() + 1, free);
        return new Ring(ring.config(), ring.genesis(), out, ring.tombstones());
    }

    /**
     * {@code self} gives {@code piece} to {@code recipient}. The piece must be block-aligned, lie in
     * one entry owned by {@code self} and be entirely free ({@code freeIn.applyAsLong(piece)} equals
     * its size); {@code freeIn} also supplies the free counts of the parts {@code self} keeps.
     */
    static Ring donate(Ring ring, long self, IpRange piece, long recipient, ToLongFunction<IpRange> freeIn) {
        requireActive(ring, self);
        if (recipient == self) {
            throw new RingOperationException("peer " + PeerId.of(self) + " cannot donate to itself");
        }
        if (ring.isRemoved(recipient)) {
            throw new RingOperationException(
                    "peer " + PeerId.of(recipient) + " was removed from the cluster; not donating to it");
        }
        RingConfig config = ring.config();
        if (piece.isEmpty() || !config.range().toRange().contains(piece)) {
            throw new RingOperationException("piece " + piece + " is empty or outside " + config.range());
        }
        int i = ring.indexOf(piece.start());
        requireOwner(ring, self, i);
        IpRange entryRange = ring.rangeOf(i);
        if (!entryRange.contains(piece)) {
            throw new RingOperationException("piece " + piece + " spans more than the entry range=" + entryRange);
        }
        if (!piece.start().isAligned(config.blockBits())
                || !(piece.endValue().equals(entryRange.endValue())
                        || piece.end().isAligned(config.blockBits()))) {
            throw new RingOperationException("piece " + piece + " is not aligned to " + config.minBlock());
        }
        long pieceSize = Ring.saturate(piece.size());
        if (freeIn.applyAsLong(piece) != pieceSize) {
            throw new RingOperationException("piece " + piece + " has allocated addresses; not donating it");
        }
        RingEntry[] entries = ring.entryArray();
        RingEntry e = entries[i];
        List<RingEntry> inserted = new ArrayList<>(3);
        if (piece.start().equals(e.token())) {
            inserted.add(new RingEntry(e.token(), recipient, e.version() + 1, pieceSize));
        } else {
            IpRange keep = IpRange.of(e.token(), piece.start());
            inserted.add(new RingEntry(e.token(), self, e.version() + 1, freeIn.applyAsLong(keep)));
            inserted.add(new RingEntry(piece.start(), recipient, 1, pieceSize));
        }
        if (!piece.endValue().equals(entryRange.endValue())) {
            IpRange rest = IpRange.ofSize(piece.end(), entryRange.endValue().subtract(piece.endValue()));
            inserted.add(new RingEntry(piece.end(), self, 1, freeIn.applyAsLong(rest)));
        }
        RingEntry[] out = new RingEntry[entries.length - 1 + inserted.size()];
        System.arraycopy(entries, 0, out, 0, i);
        for (int k = 0; k < inserted.size(); k++) {
            out[i + k] = inserted.get(k);
        }
        System.arraycopy(entries, i + 1, out, i + inserted.size(), entries.length - i - 1);
        return new Ring(config, ring.genesis(), out, ring.tombstones());
    }

    /**
     * {@code self} takes over every entry of {@code removed} (a peer gone for good) with a version
     * jump ({@link Ring#RECLAIM_VERSION_JUMP}), marks it free, and records a tombstone so the removed
     * peer learns it was removed. Calling it again as the same reclaimer takes any entries the
     * removed peer wrote meanwhile.
     *
     * @throws RingOperationException if {@code removed} is {@code self}, {@code self} is removed, or
     *     another peer already reclaimed {@code removed}
     */
    static Ring reclaim(Ring ring, long self, long removed) {
        requireActive(ring, self);
        if (removed == self) {
            throw new RingOperationException("peer " + PeerId.of(self) + " cannot reclaim itself");
        }
        if (removed == 0) {
            throw new RingOperationException("peer id 0 is not a peer");
        }
        Long by = ring.tombstones().get(removed);
        if (by != null && by != self) {
            throw new RingOperationException(
                    "peer " + PeerId.of(removed) + " was already reclaimed by peer " + PeerId.of(by));
        }
        RingEntry[] out = ring.entryArray().clone();
        for (int i = 0; i < out.length; i++) {
            RingEntry e = out[i];
            if (e.owner() == removed) {
                out[i] = new RingEntry(e.token(), self, e.version() + Ring.RECLAIM_VERSION_JUMP, ring.sizeOf(i));
            }
        }
        Map<Long, Long> tombs = new TreeMap<>(ring.tombstones());
        tombs.put(removed, self);
        return new Ring(ring.config(), ring.genesis(), out, tombs);
    }

    private static void requireActive(Ring ring, long self) {
        Long by = ring.tombstones().get(self);
        if (by != null) {
            throw new RingOperationException("peer " + PeerId.of(self) + " was removed from the cluster (reclaimed by "
                    + PeerId.of(by) + "); it must start over with a new identity");
        }
    }

    private static void requireOwner(Ring ring, long self, int index) {
        if (index < 0 || ring.entryArray()[index].owner() != self) {
            throw new RingOperationException("peer " + PeerId.of(self) + " does not own "
                    + (index < 0
                            ? "that range"
                            : "range=" + ring.rangeOf(index) + " (owner " + PeerId.of(ring.entryArray()[index].owner())
                                    + ")"));
        }
    }
}
