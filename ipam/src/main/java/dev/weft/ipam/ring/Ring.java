package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The range-ownership ring: an immutable CRDT value that divides the cluster range among peers.
 *
 * <p>A sorted list of entries {@code token -> (owner, version, free)}; an entry owns {@code [token,
 * next token)}, the last one up to the end of the cluster range, and the first token is always
 * the start of the range, so the ring covers the whole range at all times. Tokens are aligned to
 * the minimum block and never removed. Only an entry's owner changes it, raising its version
 * ({@link RingOperations}: the operations take the acting peer and check it). Merging ({@link
 * RingMerge}) is per token: the higher version wins; equal versions with different owners are a
 * {@link RingConflictException} (never resolved silently); the join is commutative, associative and
 * idempotent, for whole rings and for {@link RingDelta deltas} alike. Tombstones record removed
 * peers (a grow-only map; two different reclaimers of one peer are a conflict).
 *
 * <p>Peer ids are kept as the raw 64 bits of a {@link PeerId} here (the wire and the disk carry
 * them so); {@code dev.weft.ipam.IpamNode} speaks {@link PeerId}.
 *
 * <p>Every constructed ring is checked against the invariants (see {@link #checkInvariants}), so a
 * ring object that exists is valid. Pure: no I/O, no clock, no threads.
 */
public final class Ring {
    /** Added to an entry's version when its owner is removed, so the takeover beats anything the removed peer wrote. */
    public static final long RECLAIM_VERSION_JUMP = 1L << 32;

    private final RingConfig config;
    private final RingGenesis genesis;
    private final RingEntry[] entries;
    private final Map<Long, Long> tombstones; // removed peer -> reclaimer, unmodifiable TreeMap

    Ring(RingConfig config, RingGenesis genesis, RingEntry[] entries, Map<Long, Long> tombstones) {
        this.config = config;
        this.genesis = genesis;
        this.entries = entries;
        this.tombstones = Collections.unmodifiableMap(new TreeMap<>(tombstones));
        checkInvariants();
    }

    // ------------------------------------------------------------------ creation

    /**
     * The initial ring of {@code seed} mode: the range split into equal, block-aligned shares, one
     * per seed name in sorted order, each owned by {@link RingGenesis#seedPlaceholder} of its name
     * until that node {@link #claimSeed claims} it. Every node given the same names (any order)
     * computes the same ring.
     */
    public static Ring fromSeeds(RingConfig config, Collection<String> seedNames) {
        List<String> names = RingGenesis.normaliseSeeds(seedNames);
        BigInteger blocks = config.range().size().shiftRight(config.blockBits());
        BigInteger n = BigInteger.valueOf(names.size());
        List<RingEntry> out = new ArrayList<>();
        IpAddress start = config.range().network();
        for (int i = 0; i < names.size(); i++) {
            BigInteger from = blocks.multiply(BigInteger.valueOf(i)).divide(n);
            BigInteger to = blocks.multiply(BigInteger.valueOf(i + 1)).divide(n);
            if (to.equals(from)) {
                continue; // more seeds than blocks: this seed starts with nothing
            }
            IpAddress token = start.plus(from.shiftLeft(config.blockBits()));
            long free = saturate(to.subtract(from).shiftLeft(config.blockBits()));
            out.add(new RingEntry(token, RingGenesis.seedPlaceholder(names.get(i)), 1, free));
        }
        return new Ring(config, RingGenesis.seeds(names), out.toArray(RingEntry[]::new), Map.of());
    }

    /**
     * The initial ring of a creator (Kubernetes: the peer whose atomic create won): the whole range
     * owned by {@code creator}.
     */
    public static Ring createdBy(RingConfig config, long creator, String decisionToken) {
        RingEntry only = new RingEntry(
                config.range().network(), creator, 1, saturate(config.range().size()));
        return new Ring(
                config, RingGenesis.creator(PeerId.of(creator), decisionToken), new RingEntry[] {only}, Map.of());
    }

    /** A ring from decoded parts; checks all invariants. */
    public static Ring of(RingConfig config, RingGenesis genesis, List<RingEntry> entries, Map<Long, Long> tombstones) {
        return new Ring(config, genesis, entries.toArray(RingEntry[]::new), tombstones);
    }

    // ------------------------------------------------------------------ reading

    public RingConfig config() {
        return config;
    }

    public RingGenesis genesis() {
        return genesis;
    }

    /** Entries in token order. */
    public List<RingEntry> entries() {
        return List.of(entries);
    }

    /** The entries without a copy, for this package (never modify). */
    RingEntry[] entryArray() {
        return entries;
    }

    public int size() {
        return entries.length;
    }

    /** Removed peer -> the peer that reclaimed its ranges. */
    public Map<Long, Long> tombstones() {
        return tombstones;
    }

    public boolean isRemoved(long peer) {
        return tombstones.containsKey(peer);
    }

    public Optional<Tombstone> tombstoneOf(long peer) {
        Long by = tombstones.get(peer);
        return by == null ? Optional.empty() : Optional.of(new Tombstone(PeerId.of(peer), PeerId.of(by)));
    }

    /** The address range of entry {@code index}. */
    public IpRange rangeOf(int index) {
        if (index + 1 < entries.length) {
            return IpRange.of(entries[index].token(), entries[index + 1].token());
        }
        return IpRange.inclusive(entries[index].token(), config.range().last());
    }

    /** Every entry with its range, in address order. */
    public List<Segment> segments() {
        List<Segment> out = new ArrayList<>(entries.length);
        for (int i = 0; i < entries.length; i++) {
            out.add(new Segment(entries[i], rangeOf(i)));
        }
        return out;
    }

    /** An entry together with the range it owns. */
    public record Segment(RingEntry entry, IpRange range) {}

    /** Index of the entry whose range holds {@code a}, or -1 if {@code a} is outside the cluster range. */
    public int indexOf(IpAddress a) {
        if (!config.range().contains(a)) {
            return -1;
        }
        int lo = 0;
        int hi = entries.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (entries[mid].token().compareTo(a) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The owner of {@code a}; empty outside the cluster range. */
    public OptionalLong ownerOf(IpAddress a) {
        int i = indexOf(a);
        return i < 0 ? OptionalLong.empty() : OptionalLong.of(entries[i].owner());
    }

    /** The ranges {@code peer} owns, adjacent entries coalesced, in address order. */
    public List<IpRange> rangesOwnedBy(long peer) {
        List<IpRange> out = new ArrayList<>();
        int i = 0;
        while (i < entries.length) {
            if (entries[i].owner() != peer) {
                i++;
                continue;
            }
            int j = i;
            while (j + 1 < entries.length && entries[j + 1].owner() == peer) {
                j++;
            }
            IpRange last = rangeOf(j);
            out.add(IpRange.ofSize(
                    entries[i].token(),
                    last.endValue().subtract(entries[i].token().toBigInteger())));
            i = j + 1;
        }
        return out;
    }

    /** The minimal CIDR list of the ranges {@code peer} owns (what the datapath routes to it). */
    public List<Cidr> cidrsOwnedBy(long peer) {
        List<Cidr> out = new ArrayList<>();
        for (IpRange r : rangesOwnedBy(peer)) {
            out.addAll(r.toCidrs());
        }
        return out;
    }

    /** Every owner's CIDRs (coalesced, minimal), owners in numeric order. */
    public Map<Long, List<Cidr>> cidrsByOwner() {
        Map<Long, List<Cidr>> out = new TreeMap<>();
        for (long owner : owners()) {
            out.put(owner, cidrsOwnedBy(owner));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The distinct owners in numeric order. */
    public List<Long> owners() {
        return List.copyOf(
                new TreeSet<>(Arrays.stream(entries).map(RingEntry::owner).toList()));
    }

    /**
     * Each owner's total free count as written in its entries (saturating). Written when ownership
     * changes, not on every allocation: a fallback for donor choice when no fresher hint is known.
     */
    public Map<Long, Long> freeByOwner() {
        Map<Long, Long> out = new TreeMap<>();
        for (RingEntry e : entries) {
            out.merge(e.owner(), e.free(), Ring::saturatingAdd);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Each owner's total owned address count (saturating). */
    public Map<Long, Long> sizeByOwner() {
        Map<Long, Long> out = new TreeMap<>();
        for (int i = 0; i < entries.length; i++) {
            out.merge(entries[i].owner(), sizeOf(i), Ring::saturatingAdd);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Number of addresses in entry {@code index}, saturating at {@link Long#MAX_VALUE}. */
    public long sizeOf(int index) {
        IpAddress t = entries[index].token();
        if (t.isIpv4()) {
            long end = index + 1 < entries.length
                    ? entries[index + 1].token().low64()
                    : config.range().last().low64() + 1;
            return end - t.low64();
        }
        return saturate(rangeOf(index).size());
    }

    /**
     * A number that rises with every change a merge or a local operation makes (sum of versions,
     * entries and tombstones). Equal numbers do not prove equal rings; a higher number means newer
     * than an ancestor.
     */
    public long progress() {
        long p = tombstones.size();
        for (RingEntry e : entries) {
            p += e.version() + 1;
        }
        return p;
    }

    /** Config and genesis, for messages: which ring this is. */
    public String describe() {
        return config + " genesis=" + genesis;
    }

    /** This whole ring as a delta (merging it is the same as merging the ring). */
    public RingDelta asDelta() {
        return RingDelta.of(config, genesis, entries(), tombstones);
    }

    // ------------------------------------------------------------------ merge (see RingMerge)

    /** The result of a merge: the merged ring and whether it differs from the local one. */
    public record MergeResult(Ring ring, boolean changed) {}

    /**
     * Merges {@code other} into this ring: per token the higher version wins. Pure and symmetric:
     * {@code a.merge(b).ring().equals(b.merge(a).ring())}.
     *
     * @throws RingMismatchException if the rings have different config or genesis
     * @throws RingConflictException if a token or tombstone has equal versions and different content
     * @throws RingInvariantException if the merged ring breaks an invariant
     */
    public MergeResult merge(Ring other) {
        return RingMerge.merge(this, other.config, other.genesis, other.entries, other.tombstones, other.describe());
    }

    /**
     * Merges a delta: the same per-token join, restricted to the tokens the delta carries (a token
     * new here splits the entry it falls in). Same exceptions as {@link #merge(Ring)}.
     */
    public MergeResult merge(RingDelta delta) {
        return RingMerge.merge(
                this, delta.config(), delta.genesis(), delta.entryArray(), delta.tombstones(), delta.describe());
    }

    /** The result of merging remote state as a given peer. */
    public record PeerMergeResult(
            Ring ring, boolean changed, boolean selfRemoved, List<IpRange> gained, List<IpRange> lost) {}

    /**
     * Merges a remote ring as peer {@code self}: like {@link #merge}, and refuses the result if it
     * would give away a range of {@code self} for which {@code inUse} answers true (an address in it
     * is allocated). Reports ranges gained and lost and whether {@code self} has been removed.
     *
     * @throws RangeTakeoverRefusedException if an in-use range would be lost; nothing is applied
     */
    public PeerMergeResult mergeAsPeer(Ring remote, long self, Predicate<IpRange> inUse) {
        return RingMerge.asPeer(this, merge(remote), self, inUse);
    }

    /** {@link #mergeAsPeer(Ring, long, Predicate)} for a delta. */
    public PeerMergeResult mergeAsPeer(RingDelta remote, long self, Predicate<IpRange> inUse) {
        return RingMerge.asPeer(this, merge(remote), self, inUse);
    }

    /**
     * {@link #mergeAsPeer(Ring, long, Predicate)} after the authority checks of {@link RingAuthority}: tombstones
     * need the reclaimer's version-jumped entries and {@code gate}'s consent, and nothing may change an entry of
     * {@code self} except a proven reclaim of it. A full state's sender is not checked (anti-entropy relays).
     *
     * @throws RingAuthorityException naming the broken rule; nothing is applied
     */
    public PeerMergeResult mergeAsPeerChecked(Ring remote, long self, TombstoneGate gate, Predicate<IpRange> inUse) {
        requireSameRing(remote.config, remote.genesis, remote.describe());
        RingAuthority.check(this, remote.entries, remote.tombstones, self, 0, false, gate);
        return mergeAsPeer(remote, self, inUse);
    }

    /**
     * {@link #mergeAsPeerChecked(Ring, long, TombstoneGate, Predicate)} for a delta published by {@code sender}
     * (authenticated by gossip): additionally it may change only entries of {@code sender}, of peers it reclaimed
     * (a new tombstone only if {@code sender} is the reclaimer), and the successor of such an entry. With
     * {@code sender} 0 (unknown) it is checked like a full state.
     */
    public PeerMergeResult mergeAsPeerChecked(
            RingDelta remote, long self, long sender, TombstoneGate gate, Predicate<IpRange> inUse) {
        requireSameRing(remote.config(), remote.genesis(), remote.describe());
        RingAuthority.check(this, remote.entryArray(), remote.tombstones(), self, sender, sender != 0, gate);
        return mergeAsPeer(remote, self, inUse);
    }

    private void requireSameRing(RingConfig otherConfig, RingGenesis otherGenesis, String otherDescription) {
        if (!config.equals(otherConfig) || !genesis.equals(otherGenesis)) {
            throw new RingMismatchException(describe(), otherDescription);
        }
    }

    // ------------------------------------------------------------------ owner operations

    /** See {@link RingOperations#claimSeed}. */
    public Ring claimSeed(long self, String nickname) {
        return RingOperations.claimSeed(this, self, nickname);
    }

    /** See {@link RingOperations#donate}. */
    public Ring donate(long self, IpRange piece, long recipient, ToLongFunction<IpRange> freeIn) {
        return RingOperations.donate(this, self, piece, recipient, freeIn);
    }

    /** See {@link RingOperations#reclaim}. */
    public Ring reclaim(long self, long removed) {
        return RingOperations.reclaim(this, self, removed);
    }

    /** The invariants of {@link RingInvariants#check}; run by every constructor. */
    void checkInvariants() {
        RingInvariants.check(this);
    }

    // ------------------------------------------------------------------ helpers

    static long saturate(BigInteger v) {
        return v.bitLength() > 63 ? Long.MAX_VALUE : v.longValue();
    }

    static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ring r
                && r.config.equals(config)
                && r.genesis.equals(genesis)
                && Arrays.equals(r.entries, entries)
                && r.tombstones.equals(tombstones);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(entries) * 31 + tombstones.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Ring{").append(describe()).append(", ");
        for (int i = 0; i < Math.min(entries.length, 20); i++) {
            sb.append(i == 0 ? "" : ", ").append(entries[i]);
        }
        if (entries.length > 20) {
            sb.append(", ... ").append(entries.length - 20).append(" more");
        }
        if (!tombstones.isEmpty()) {
            sb.append(", removed=").append(tombstones.size());
        }
        return sb.append('}').toString();
    }
}
