package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A part of a ring: some of its entries (by token) and some of its tombstones, with the ring's
 * config and genesis so that a delta of another ring is refused like a foreign ring. Merging a
 * delta ({@link Ring#merge(RingDelta)}) is the ring's per-token join restricted to the tokens it
 * carries; a whole ring is the delta of all its tokens, so deltas and full states mix freely and
 * converge to the same ring.
 *
 * <p>A delta made by {@link #from} carries, with every changed entry, the entry that follows it in
 * the sender's ring. Reason: an entry's range ends at the next token the receiver knows; a
 * receiver that missed an earlier split of that range would otherwise stretch the carried entry
 * over ranges it does not cover (and could believe it owns addresses given to someone else).
 *
 * <p>Checked when built: tokens strictly increasing, inside the range, aligned, of its family;
 * {@code free} at most the addresses from the token to the end of the range; valid tombstones.
 */
public final class RingDelta {
    private final RingConfig config;
    private final RingGenesis genesis;
    private final RingEntry[] entries;
    private final Map<Long, Long> tombstones;

    private RingDelta(RingConfig config, RingGenesis genesis, RingEntry[] entries, Map<Long, Long> tombstones) {
        this.config = config;
        this.genesis = genesis;
        this.entries = entries;
        this.tombstones = Collections.unmodifiableMap(new TreeMap<>(tombstones));
        RingInvariants.checkTokens(config, entries);
        for (RingEntry e : entries) {
            BigInteger toEnd = e.token().distanceTo(config.range().last()).add(BigInteger.ONE);
            if (e.free() > Ring.saturate(toEnd)) {
                throw new RingInvariantException(
                        "entry " + e + " reports more free addresses than the range holds after its token");
            }
        }
        RingInvariants.checkTombstones(this.tombstones);
    }

    /** A delta from decoded parts; checks what a delta can check on its own. */
    public static RingDelta of(
            RingConfig config, RingGenesis genesis, List<RingEntry> entries, Map<Long, Long> tombstones) {
        return new RingDelta(config, genesis, entries.toArray(RingEntry[]::new), tombstones);
    }

    /**
     * What a peer publishes after changing the entries at {@code tokens} of {@code ring} and adding
     * the tombstones of {@code removedPeers}: the current entries at those tokens, each with the
     * entry that follows it (see the class comment), and those tombstones.
     *
     * @throws IllegalArgumentException if a token is not in the ring or a peer has no tombstone
     */
    public static RingDelta from(Ring ring, Collection<IpAddress> tokens, Collection<Long> removedPeers) {
        RingEntry[] all = ring.entryArray();
        TreeMap<IpAddress, RingEntry> out = new TreeMap<>();
        for (IpAddress t : tokens) {
            int i = ring.indexOf(t);
            if (i < 0 || !all[i].token().equals(t)) {
                throw new IllegalArgumentException("no ring entry at token " + t);
            }
            out.put(t, all[i]);
            if (i + 1 < all.length) {
                out.put(all[i + 1].token(), all[i + 1]);
            }
        }
        Map<Long, Long> tombs = new TreeMap<>();
        for (long p : removedPeers) {
            Long by = ring.tombstones().get(p);
            if (by == null) {
                throw new IllegalArgumentException("no tombstone for peer " + PeerId.of(p));
            }
            tombs.put(p, by);
        }
        return new RingDelta(ring.config(), ring.genesis(), out.values().toArray(RingEntry[]::new), tombs);
    }

    public RingConfig config() {
        return config;
    }

    public RingGenesis genesis() {
        return genesis;
    }

    /** The carried entries in token order. */
    public List<RingEntry> entries() {
        return List.of(entries);
    }

    RingEntry[] entryArray() {
        return entries;
    }

    /** Removed peer -> reclaimer, for the carried tombstones. */
    public Map<Long, Long> tombstones() {
        return tombstones;
    }

    public boolean isEmpty() {
        return entries.length == 0 && tombstones.isEmpty();
    }

    /** Config and genesis, for messages: which ring this delta belongs to. */
    public String describe() {
        return config + " genesis=" + genesis + " (delta)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RingDelta d
                && d.config.equals(config)
                && d.genesis.equals(genesis)
                && Arrays.equals(d.entries, entries)
                && d.tombstones.equals(tombstones);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(entries) * 31 + tombstones.hashCode();
    }

    @Override
    public String toString() {
        return "RingDelta{" + describe() + ", entries=" + Arrays.toString(entries) + ", tombstones=" + tombstones.size()
                + "}";
    }
}
