package dev.weft.ipam.ring;

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
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The range-ownership ring: an immutable CRDT value that divides the cluster range among peers.
 *
 * <p>A sorted list of entries {@code token -> (owner, version, free)}; an entry owns {@code [token,
 * next token)}, the last one up to the end of the cluster range, and the first token is always
 * the start of the range, so the ring covers the whole range at all times. Tokens are aligned to
 * the minimum block and never removed. Only an entry's owner changes it, raising its version
 * (the operations here take the acting peer and check it). {@link #merge} is per token: the higher
 * version wins; equal versions with different owners are a {@link RingConflictException} (never
 * resolved silently). The free count is an advisory hint: at equal version and owner the lower
 * count wins, and after the union every count is clamped to its entry's size (a token unknown to
 * an entry's owner can shrink the entry, see {@link #clampFree}). The join (per token: highest
 * version, then lowest free; then clamp) is commutative, associative and idempotent. Tombstones
 * record removed peers (a grow-only map; two different reclaimers of one peer are a conflict).
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
    RingEntry only =
        new RingEntry(config.range().network(), creator, 1, saturate(config.range().size()));
    return new Ring(
        config, RingGenesis.creator(creator, decisionToken), new RingEntry[] {only}, Map.of());
  }

  /** A ring from decoded parts; checks all invariants. */
  public static Ring of(
      RingConfig config, RingGenesis genesis, List<RingEntry> entries, Map<Long, Long> tombstones) {
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
    return by == null ? Optional.empty() : Optional.of(new Tombstone(peer, by));
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
      out.add(IpRange.ofSize(entries[i].token(), last.endValue().subtract(entries[i].token().toBigInteger())));
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
    return List.copyOf(new java.util.TreeSet<>(Arrays.stream(entries).map(RingEntry::owner).toList()));
  }

  /** Each owner's total free count as reported in its entries (saturating). */
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
      long end =
          index + 1 < entries.length
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

  // ------------------------------------------------------------------ merge

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
    if (!config.equals(other.config) || !genesis.equals(other.genesis)) {
      throw new RingMismatchException(describe(), other.describe());
    }
    List<String> conflicts = new ArrayList<>();
    RingEntry[] out = new RingEntry[entries.length + other.entries.length];
    int n = 0;
    boolean changed = false;
    int i = 0;
    int j = 0;
    while (i < entries.length || j < other.entries.length) {
      int c =
          i == entries.length
              ? 1
              : j == other.entries.length ? -1 : entries[i].token().compareTo(other.entries[j].token());
      if (c < 0) {
        out[n++] = entries[i++];
      } else if (c > 0) {
        out[n++] = other.entries[j++];
        changed = true;
      } else {
        RingEntry a = entries[i++];
        RingEntry b = other.entries[j++];
        if (a.version() > b.version()) {
          out[n++] = a;
        } else if (b.version() > a.version()) {
          out[n++] = b;
          changed = true;
        } else {
          if (a.owner() != b.owner()) {
            conflicts.add("token " + a.token() + " version " + a.version() + ": " + a + " vs " + b);
          }
          // same owner and version: the free count is a hint; the lower one wins (see class doc)
          if (b.free() < a.free()) {
            out[n++] = b;
            changed = true;
          } else {
            out[n++] = a;
          }
        }
      }
    }
    Map<Long, Long> tombs = tombstones;
    for (Map.Entry<Long, Long> t : other.tombstones.entrySet()) {
      Long mine = tombstones.get(t.getKey());
      if (mine == null) {
        if (tombs == tombstones) {
          tombs = new TreeMap<>(tombstones);
        }
        tombs.put(t.getKey(), t.getValue());
        changed = true;
      } else if (!mine.equals(t.getValue())) {
        conflicts.add(
            "peer " + PeerIds.format(t.getKey()) + " reclaimed by both "
                + PeerIds.format(mine) + " and " + PeerIds.format(t.getValue()));
      }
    }
    if (!conflicts.isEmpty()) {
      throw new RingConflictException(conflicts);
    }
    if (!changed) {
      return new MergeResult(this, false);
    }
    RingEntry[] merged = Arrays.copyOf(out, n);
    clampFree(merged);
    return new MergeResult(new Ring(config, genesis, merged, tombs), true);
  }

  /** The result of merging a remote ring as a given peer. */
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
    MergeResult m = merge(remote);
    boolean removed = m.ring().isRemoved(self);
    if (!m.changed()) {
      return new PeerMergeResult(this, false, removed, List.of(), List.of());
    }
    List<IpRange> before = rangesOwnedBy(self);
    List<IpRange> after = m.ring().rangesOwnedBy(self);
    List<IpRange> lost = Intervals.subtract(before, after);
    for (IpRange r : lost) {
      if (inUse.test(r)) {
        throw new RangeTakeoverRefusedException(
            r, self, m.ring().ownerOf(r.start()).orElse(0), removed);
      }
    }
    return new PeerMergeResult(m.ring(), true, removed, Intervals.subtract(after, before), lost);
  }

  /**
   * A token can appear inside an entry whose owner did not know it (a reclaimer taking over a dead
   * peer's entry before the dead peer's last split reached it); the entry's range then shrinks and
   * its free count may exceed it. The count is clamped to the range, deterministically, so the
   * invariant {@code free <= size} holds in every merged ring.
   */
  private void clampFree(RingEntry[] es) {
    for (int i = 0; i < es.length; i++) {
      RingEntry e = es[i];
      long size = sizeBetween(es, i);
      if (e.free() > size) {
        es[i] = new RingEntry(e.token(), e.owner(), e.version(), size);
      }
    }
  }

  private long sizeBetween(RingEntry[] es, int i) {
    IpAddress t = es[i].token();
    if (i + 1 < es.length) {
      return saturate(t.distanceTo(es[i + 1].token()));
    }
    return saturate(t.distanceTo(config.range().last()).add(BigInteger.ONE));
  }

  // ------------------------------------------------------------------ owner operations

  /**
   * The node named {@code nickname} takes over its seed share: entries owned by the placeholder of
   * that name become owned by {@code self}. Returns this ring if there is nothing to claim.
   */
  public Ring claimSeed(long self, String nickname) {
    requireActive(self);
    long placeholder = RingGenesis.seedPlaceholder(nickname);
    if (!genesis.id().startsWith("seeds:") || isRemoved(placeholder)) {
      return this;
    }
    RingEntry[] out = entries.clone();
    boolean changed = false;
    for (int i = 0; i < out.length; i++) {
      RingEntry e = out[i];
      if (e.owner() == placeholder) {
        out[i] = new RingEntry(e.token(), self, e.version() + 1, e.free());
        changed = true;
      }
    }
    return changed ? new Ring(config, genesis, out, tombstones) : this;
  }

  /** {@code self} reports the free count of its entry at {@code token}; version bumps if it changed. */
  public Ring withFree(long self, IpAddress token, long free) {
    requireActive(self);
    int i = indexOf(token);
    if (i < 0 || !entries[i].token().equals(token)) {
      throw new RingOperationException("no ring entry at token " + token);
    }
    RingEntry e = entries[i];
    requireOwner(self, i);
    if (free < 0 || free > sizeOf(i)) {
      throw new RingOperationException(
          "free count " + free + " does not fit range=" + rangeOf(i) + " (size " + sizeOf(i) + ")");
    }
    if (e.free() == free) {
      return this;
    }
    RingEntry[] out = entries.clone();
    out[i] = new RingEntry(e.token(), e.owner(), e.version() + 1, free);
    return new Ring(config, genesis, out, tombstones);
  }

  /**
   * {@code self} gives {@code piece} to {@code recipient}. The piece must be block-aligned, lie in
   * one entry owned by {@code self} and be entirely free ({@code freeIn.applyAsLong(piece)} equals
   * its size); {@code freeIn} also supplies the free counts of the parts {@code self} keeps.
   */
  public Ring donate(long self, IpRange piece, long recipient, ToLongFunction<IpRange> freeIn) {
    requireActive(self);
    if (recipient == self) {
      throw new RingOperationException("peer " + PeerIds.format(self) + " cannot donate to itself");
    }
    if (isRemoved(recipient)) {
      throw new RingOperationException(
          "peer " + PeerIds.format(recipient) + " was removed from the cluster; not donating to it");
    }
    if (piece.isEmpty() || !config.range().toRange().contains(piece)) {
      throw new RingOperationException("piece " + piece + " is empty or outside " + config.range());
    }
    int i = indexOf(piece.start());
    requireOwner(self, i);
    IpRange entryRange = rangeOf(i);
    if (!entryRange.contains(piece)) {
      throw new RingOperationException(
          "piece " + piece + " spans more than the entry range=" + entryRange);
    }
    if (!isAligned(piece.start()) || !(piece.endValue().equals(entryRange.endValue()) || isAligned(piece.end()))) {
      throw new RingOperationException("piece " + piece + " is not aligned to " + config.minBlock());
    }
    long pieceSize = saturate(piece.size());
    if (freeIn.applyAsLong(piece) != pieceSize) {
      throw new RingOperationException("piece " + piece + " has allocated addresses; not donating it");
    }
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
      IpRange rest =
          IpRange.ofSize(piece.end(), entryRange.endValue().subtract(piece.endValue()));
      inserted.add(new RingEntry(piece.end(), self, 1, freeIn.applyAsLong(rest)));
    }
    RingEntry[] out = new RingEntry[entries.length - 1 + inserted.size()];
    System.arraycopy(entries, 0, out, 0, i);
    for (int k = 0; k < inserted.size(); k++) {
      out[i + k] = inserted.get(k);
    }
    System.arraycopy(entries, i + 1, out, i + inserted.size(), entries.length - i - 1);
    return new Ring(config, genesis, out, tombstones);
  }

  /**
   * {@code self} takes over every entry of {@code removed} (a peer gone for good) with a version
   * jump, marks it free, and records a tombstone so the removed peer learns it was removed. Calling
   * it again as the same reclaimer takes any entries the removed peer wrote meanwhile.
   *
   * @throws RingOperationException if {@code removed} is {@code self}, {@code self} is removed, or
   *     another peer already reclaimed {@code removed}
   */
  public Ring reclaim(long self, long removed) {
    requireActive(self);
    if (removed == self) {
      throw new RingOperationException("peer " + PeerIds.format(self) + " cannot reclaim itself");
    }
    Long by = tombstones.get(removed);
    if (by != null && by != self) {
      throw new RingOperationException(
          "peer " + PeerIds.format(removed) + " was already reclaimed by peer " + PeerIds.format(by));
    }
    RingEntry[] out = entries.clone();
    for (int i = 0; i < out.length; i++) {
      RingEntry e = out[i];
      if (e.owner() == removed) {
        out[i] = new RingEntry(e.token(), self, e.version() + RECLAIM_VERSION_JUMP, sizeOf(i));
      }
    }
    Map<Long, Long> tombs = new TreeMap<>(tombstones);
    tombs.put(removed, self);
    return new Ring(config, genesis, out, tombs);
  }

  private void requireActive(long self) {
    Long by = tombstones.get(self);
    if (by != null) {
      throw new RingOperationException(
          "peer " + PeerIds.format(self) + " was removed from the cluster (reclaimed by "
              + PeerIds.format(by) + "); it must start over with a new identity");
    }
  }

  private void requireOwner(long self, int index) {
    if (index < 0 || entries[index].owner() != self) {
      throw new RingOperationException(
          "peer " + PeerIds.format(self) + " does not own "
              + (index < 0 ? "that range" : "range=" + rangeOf(index) + " (owner "
                  + PeerIds.format(entries[index].owner()) + ")"));
    }
  }

  private boolean isAligned(IpAddress a) {
    return a.isAligned(config.blockBits());
  }

  // ------------------------------------------------------------------ invariants

  /**
   * Non-empty; the first token is the start of the range; tokens strictly increasing, inside the
   * range, of its family and aligned to the minimum block; {@code free <= size} for every entry.
   */
  void checkInvariants() {
    if (entries.length == 0) {
      throw new RingInvariantException("ring has no entries (" + describe() + ")");
    }
    Cidr range = config.range();
    if (!entries[0].token().equals(range.network())) {
      throw new RingInvariantException(
          "first token " + entries[0].token() + " is not the start of " + range);
    }
    for (int i = 0; i < entries.length; i++) {
      IpAddress t = entries[i].token();
      if (!range.contains(t)) {
        throw new RingInvariantException("token " + t + " is outside " + range);
      }
      if (!isAligned(t)) {
        throw new RingInvariantException(
            "token " + t + " is not aligned to the minimum block " + config.minBlock());
      }
      if (i > 0 && entries[i - 1].token().compareTo(t) >= 0) {
        throw new RingInvariantException(
            "tokens not strictly increasing at " + entries[i - 1].token() + ", " + t);
      }
    }
    for (int i = 0; i < entries.length; i++) {
      if (entries[i].free() > sizeOf(i)) {
        throw new RingInvariantException(
            "entry " + entries[i] + " reports more free addresses than range=" + rangeOf(i) + " holds");
      }
    }
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
