package dev.weft.ipam;

import com.google.protobuf.ByteString;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.Allocations;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.Intervals;
import dev.weft.ipam.ring.PeerIds;
import dev.weft.ipam.ring.RangeTakeoverRefusedException;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingConflictException;
import dev.weft.ipam.ring.RingDecodeException;
import dev.weft.ipam.ring.RingEntry;
import dev.weft.ipam.ring.RingGenesis;
import dev.weft.ipam.ring.RingInvariantException;
import dev.weft.ipam.ring.RingMismatchException;
import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's IPAM: the ring as this peer sees it, its allocations and its persistence. This is
 * what the agent calls, from its one event loop (not thread-safe; no threads, no clock: time is
 * passed in where it matters).
 *
 * <p>Every method that changes state saves it through the {@link IpamStore} before it returns; if
 * the save fails the change is rolled back and the {@link IOException} is thrown, so an answer
 * (an address, a grant, a published ring) is never based on state that could be lost.
 *
 * <p>Life cycle: {@link #open}; then one of {@link #bootstrapFromSeeds} (seed nodes then call
 * {@link #claimSeedShare} once they have the cluster's current ring), {@link #bootstrapAsCreator},
 * {@link #expectGenesis} (or nothing: the first ring received over gossip is adopted); feed {@link
 * #applyRemoteRing} with ring bytes from gossip and publish {@link #localRingBytes} when something
 * changed; call {@link #spaceRequestIfNeeded} on every tick and send what it returns; a node alone
 * in the cluster calls {@link #markSynced}. When a {@link RingUpdate} says {@code selfRemoved},
 * call {@link #discardState} and open a new node with a new peer id.
 */
public final class IpamNode {
  private static final Logger log = LoggerFactory.getLogger(IpamNode.class);

  private final IpamConfig config;
  private final IpamStore store;
  private final long self;
  private final String nickname;

  private Ring ring; // null until created or received
  private Allocations alloc;
  private RingGenesis expected; // null: adopt whatever ring of our range arrives first
  private long nextRequestId;
  private final Set<Long> seedPlaceholders = new HashSet<>();
  private LongPredicate isLive = p -> true;
  private Pending pending;
  private long lastRefusedDonor;
  private boolean discarded;
  private boolean synced; // has this node's ring been confirmed current since it was opened?

  // counters
  private long allocations;
  private long releases;
  private long noSpace;
  private long gcReleased;
  private long ringsApplied;
  private long ringsUnchanged;
  private long ringsRefusedTakeover;
  private long ringConflicts;
  private long ringMismatches;
  private long ringInvalid;
  private long spaceRequestsSent;
  private long spaceGrantsGiven;
  private long spaceRequestsRefused;
  private long spaceGrantsReceived;
  private long spaceGrantsRefused;
  private long reclaims;

  private record Pending(long requestId, long donor, long sentAtMillis) {}

  private IpamNode(IpamConfig config, IpamStore store, long self, String nickname) {
    this.config = config;
    this.store = store;
    this.self = self;
    this.nickname = nickname;
    this.alloc = new Allocations(excludedAddresses(config));
  }

  private static Set<IpAddress> excludedAddresses(IpamConfig config) {
    Cidr r = config.ring().range();
    return r.hostBits() >= 2 ? Set.of(r.first(), r.last()) : Set.of();
  }

  // ================================================================== life cycle

  /**
   * Loads this node's IPAM from {@code store}, or starts empty if nothing was ever saved.
   *
   * @param self this agent's 64-bit peer id (persisted by the agent)
   * @param nickname the node name (what the seed list calls this node)
   * @throws dev.weft.ipam.store.IpamStoreCorruptException if the stored state is unreadable
   * @throws IpamStateMismatchException if it belongs to another peer id or another range/block
   */
  public static IpamNode open(IpamConfig config, IpamStore store, long self, String nickname)
      throws IOException {
    if (nickname == null || nickname.isBlank()) {
      throw new IllegalArgumentException("nickname (node name) is required");
    }
    if (self == 0) {
      throw new IllegalArgumentException("peer id 0 is reserved");
    }
    IpamNode n = new IpamNode(config, store, self, nickname);
    Optional<PersistedState> loaded = store.load();
    if (loaded.isEmpty()) {
      log.info("no IPAM state yet, starting empty peer={} range={}", PeerIds.format(self), config.ring().range());
      return n;
    }
    PersistedState s = loaded.get();
    if (s.self() != self) {
      throw new IpamStateMismatchException(
          "stored IPAM state belongs to peer " + PeerIds.format(s.self()) + " but this agent is peer "
              + PeerIds.format(self) + "; the peer id file and the IPAM state file must move together");
    }
    if (!s.config().equals(config.ring())) {
      throw new IpamStateMismatchException(
          "stored IPAM state is for " + s.config() + " but the agent is configured with " + config.ring()
              + "; changing the cluster range of a running cluster is not supported");
    }
    n.ring = s.ring().orElse(null);
    n.nextRequestId = s.nextRequestId();
    s.gateway().ifPresent(n.alloc::setGateway);
    for (Map.Entry<AttachmentKey, IpAddress> e : s.allocations().entrySet()) {
      n.alloc.restore(e.getKey(), e.getValue());
    }
    if (n.ring != null) {
      n.expected = n.ring.genesis();
      List<IpRange> owned = n.ring.rangesOwnedBy(self);
      for (Map.Entry<IpAddress, AttachmentKey> e : n.alloc.byAddress().entrySet()) {
        if (owned.stream().noneMatch(r -> r.contains(e.getKey()))) {
          throw new IpamStateMismatchException(
              "stored allocation " + e.getValue() + " -> " + e.getKey()
                  + " lies outside the ranges this peer owns; refusing to start");
        }
      }
    } else if (n.alloc.count() > 0) {
      throw new IpamStateMismatchException("stored IPAM state has allocations but no ring");
    }
    log.info(
        "loaded IPAM state peer={} ring={} allocations={} gateway={}",
        PeerIds.format(self),
        n.ring == null ? "none" : n.ring.genesis(),
        n.alloc.count(),
        n.alloc.gateway().map(IpAddress::toString).orElse("none"));
    return n;
  }

  /**
   * Seed mode: computes the deterministic initial ring from the seed node names (every node given
   * the same list computes the same ring; seed shares are owned by name placeholders). A seed node
   * then calls {@link #claimSeedShare()} once it has the cluster's current ring. If a ring already
   * exists it must have the same genesis (then this is a no-op).
   *
   * @throws RingMismatchException if the existing ring was created differently
   */
  public void bootstrapFromSeeds(Collection<String> seedNames) throws IOException {
    Ring seeded = Ring.fromSeeds(config.ring(), seedNames);
    for (String s : RingGenesis.normaliseSeeds(seedNames)) {
      seedPlaceholders.add(RingGenesis.seedPlaceholder(s));
    }
    if (ring != null && !ring.genesis().equals(seeded.genesis())) {
      ringMismatches++;
      throw new RingMismatchException(ring.describe(), seeded.describe());
    }
    expected = seeded.genesis();
    if (ring == null) {
      transact(() -> {
        ring = seeded;
        afterRingChange();
      });
      log.info("created ring from seeds genesis={} seeds={}", ring.genesis(), ring.owners().size());
    }
  }

  /**
   * Claims this node's seed share (entries still owned by the placeholder of {@link #nickname()}),
   * returning the ranges claimed (empty if there is nothing left to claim).
   *
   * <p>Call it only once this node has the cluster's current ring: after merging the ring of at
   * least one established peer (gossip join with full state exchange), or when no other peer is
   * reachable in a cluster being created. A node that was wiped and came back under the same name
   * with a new peer id then sees its old share already claimed (or reclaimed) and claims nothing;
   * claiming on the stale initial ring instead would make two identities own the same range
   * (reported as a {@link dev.weft.ipam.ring.RingConflictException}).
   */
  public List<IpRange> claimSeedShare() throws IOException {
    checkUsable();
    if (ring == null || isRemoved()) {
      return List.of();
    }
    List<IpRange> before = ring.rangesOwnedBy(self);
    Ring claimed = ring.claimSeed(self, nickname);
    if (claimed == ring) {
      synced = true;
      return List.of();
    }
    transact(() -> {
      ring = claimed;
      afterRingChange();
    });
    synced = true;
    List<IpRange> gained = diff(ring.rangesOwnedBy(self), before);
    log.info("claimed seed share peer={} nickname={} ranges={}", PeerIds.format(self), nickname, gained);
    return gained;
  }

  /**
   * Creator mode (Kubernetes): this peer won the external decision and creates the ring owning the
   * whole range. {@code decisionToken} identifies the decision (both sides read it from the same
   * record, see {@link #expectGenesis}). Idempotent.
   */
  public void bootstrapAsCreator(String decisionToken) throws IOException {
    RingGenesis g = RingGenesis.creator(self, decisionToken);
    if (ring != null) {
      if (!ring.genesis().equals(g)) {
        ringMismatches++;
        throw new RingMismatchException(ring.describe(), config.ring() + " genesis=" + g);
      }
      return;
    }
    expected = g;
    transact(() -> {
      ring = Ring.createdBy(config.ring(), self, decisionToken);
      afterRingChange();
    });
    synced = true;
    log.info("created ring as creator genesis={} range={}", g, config.ring().range());
  }

  /**
   * Join mode: accept only a ring with this genesis (e.g. {@code RingGenesis.creator(creatorPeer,
   * token)} from the Kubernetes bootstrap record). Without this call the first ring received for
   * the configured range is adopted.
   */
  public void expectGenesis(RingGenesis genesis) {
    if (ring != null && !ring.genesis().equals(genesis)) {
      ringMismatches++;
      throw new RingMismatchException(ring.describe(), config.ring() + " genesis=" + genesis);
    }
    this.expected = genesis;
  }

  /**
   * Declares the local ring current without a ring exchange: for a node that is alone (gossip
   * found no other member). A node opened from persisted state hands out no new addresses and
   * donates nothing until it has received a ring that includes its own latest entries (or claimed
   * a seed share, or created the ring): its ranges may have been reclaimed while it was away.
   */
  public void markSynced() {
    synced = true;
  }

  /** True once the local ring is known to be current (see {@link #markSynced()}). */
  public boolean isSynced() {
    return synced;
  }

  /** Which peers the agent currently believes alive (donor choice skips others). Default: all. */
  public void setLivenessView(LongPredicate isLive) {
    this.isLive = isLive == null ? p -> true : isLive;
  }

  /** True once this peer learned that it was removed (reclaimed); see {@link #discardState}. */
  public boolean isRemoved() {
    return ring != null && ring.isRemoved(self);
  }

  /**
   * Deletes the persisted state after this peer was removed; the agent then generates a new peer id
   * and calls {@link #open} again. This object is unusable afterwards.
   */
  public void discardState() throws IOException {
    log.warn(
        "discarding IPAM state peer={} reason={} allocations={}",
        PeerIds.format(self),
        isRemoved() ? "removed from the cluster by peer " + PeerIds.format(ring.tombstones().get(self)) : "requested",
        alloc.count());
    store.delete();
    discarded = true;
  }

  // ================================================================== ring / gossip

  public long self() {
    return self;
  }

  public String nickname() {
    return nickname;
  }

  public IpamConfig config() {
    return config;
  }

  public Optional<Ring> ring() {
    return Optional.ofNullable(ring);
  }

  /** The local ring encoded for the gossip channel; empty while there is no ring. */
  public Optional<byte[]> localRingBytes() {
    return ring == null ? Optional.empty() : Optional.of(RingCodec.encode(ring));
  }

  /**
   * Merges a ring received from a peer (gossip). Returns what changed; when {@code changed} is
   * false there is nothing new to propagate. Errors leave the local state untouched and are
   * counted.
   *
   * @throws RingDecodeException malformed bytes
   * @throws RingInvariantException the received or merged ring is invalid
   * @throws RingMismatchException the ring is of another range, block size or genesis
   * @throws RingConflictException equal versions with different content
   * @throws RangeTakeoverRefusedException it would take a range with addresses in use here
   */
  public RingUpdate applyRemoteRing(byte[] bytes) throws IOException {
    checkUsable();
    Ring remote;
    try {
      remote = RingCodec.decode(bytes);
    } catch (RingDecodeException | RingInvariantException e) {
      ringInvalid++;
      throw e;
    }
    if (isRemoved()) {
      return new RingUpdate(false, true, List.of(), List.of());
    }
    try {
      if (ring == null) {
        return adopt(remote);
      }
      // A peer that is being removed gives up its gateway address with its ranges; only pod
      // addresses block the takeover then. Otherwise the gateway (the node's VTEP) is in use too.
      Ring.PeerMergeResult m =
          ring.mergeAsPeer(
              remote, self, remote.isRemoved(self) ? alloc::hasAllocationIn : alloc::inUse);
      if (!synced && knowsOurLatest(remote, ring)) {
        synced = true;
      }
      if (!m.changed()) {
        ringsUnchanged++;
        return new RingUpdate(false, m.selfRemoved(), List.of(), List.of());
      }
      Ring before = ring;
      transact(() -> {
        ring = m.ring();
        afterRingChange();
      });
      ringsApplied++;
      List<IpRange> gained = diff(ring.rangesOwnedBy(self), before.rangesOwnedBy(self));
      List<IpRange> lost = diff(before.rangesOwnedBy(self), ring.rangesOwnedBy(self));
      logOwnershipChange(gained, lost);
      if (m.selfRemoved()) {
        logRemoved();
      }
      return new RingUpdate(!ring.equals(before), m.selfRemoved(), gained, lost);
    } catch (RangeTakeoverRefusedException e) {
      ringsRefusedTakeover++;
      throw e;
    } catch (RingConflictException e) {
      ringConflicts++;
      throw e;
    } catch (RingMismatchException e) {
      ringMismatches++;
      throw e;
    } catch (RingInvariantException e) {
      ringInvalid++;
      throw e;
    }
  }

  /**
   * True if {@code remote} has every entry {@code self} owns in {@code local} at the same or a
   * higher version: the sender has seen this node's latest state, so its ring is a fair picture of
   * the cluster (a freshly started peer's initial ring is not: trusting it could let a node that
   * was reclaimed while away hand out addresses from its old ranges).
   */
  private boolean knowsOurLatest(Ring remote, Ring local) {
    for (RingEntry e : local.entries()) {
      if (e.owner() != self) {
        continue;
      }
      int i = remote.indexOf(e.token());
      if (i < 0) {
        return false;
      }
      RingEntry r = remote.entries().get(i);
      if (!r.token().equals(e.token()) || r.version() < e.version()) {
        return false;
      }
    }
    return true;
  }

  private RingUpdate adopt(Ring remote) throws IOException {
    if (!remote.config().equals(config.ring())
        || (expected != null && !remote.genesis().equals(expected))) {
      throw new RingMismatchException(
          config.ring() + " genesis=" + (expected == null ? "(any)" : expected), remote.describe());
    }
    transact(() -> {
      ring = remote;
      expected = remote.genesis();
      afterRingChange();
    });
    synced = true;
    ringsApplied++;
    log.info("adopted ring from gossip genesis={} entries={}", ring.genesis(), ring.size());
    boolean removed = ring.isRemoved(self);
    if (removed) {
      logRemoved();
    }
    return new RingUpdate(true, removed, ring.rangesOwnedBy(self), List.of());
  }

  private void logRemoved() {
    log.error(
        "this peer was removed from the cluster peer={} reclaimedBy={}: discarding IPAM state and"
            + " rejoining with a new peer id is required",
        PeerIds.format(self),
        PeerIds.format(ring.tombstones().get(self)));
  }

  private void logOwnershipChange(List<IpRange> gained, List<IpRange> lost) {
    for (IpRange r : gained) {
      log.info("range now owned peer={} range={}", PeerIds.format(self), r);
    }
    for (IpRange r : lost) {
      log.info("range no longer owned peer={} range={}", PeerIds.format(self), r);
    }
  }

  /**
   * Local follow-ups after any ring change: claim our seed share, finish reclaims we own, reserve
   * the gateway address, report free counts. All owner-only changes.
   */
  private void afterRingChange() {
    if (ring.isRemoved(self)) {
      return;
    }
    for (Map.Entry<Long, Long> t : ring.tombstones().entrySet()) {
      if (t.getValue() == self && ring.entries().stream().anyMatch(e -> e.owner() == t.getKey())) {
        ring = ring.reclaim(self, t.getKey());
      }
    }
    List<IpRange> owned = ring.rangesOwnedBy(self);
    if (alloc.gateway().isEmpty() && !owned.isEmpty()) {
      alloc.pickFree(owned).ifPresent(g -> {
        alloc.setGateway(g);
        log.info("reserved gateway address peer={} address={}", PeerIds.format(self), g);
      });
    }
    syncFree();
  }

  /** {@link #syncFree()} for the one entry holding {@code a} (after an allocate or release). */
  private void syncFreeAt(IpAddress a) {
    int i = ring.indexOf(a);
    if (i < 0) {
      return;
    }
    RingEntry e = ring.entries().get(i);
    if (e.owner() != self) {
      return;
    }
    long free = alloc.freeIn(ring.rangeOf(i));
    if (free != e.free()) {
      ring = ring.withFree(self, e.token(), free);
    }
  }

  private void syncFree() {
    List<RingEntry> entries = ring.entries();
    for (int i = 0; i < entries.size(); i++) {
      RingEntry e = entries.get(i);
      if (e.owner() != self) {
        continue;
      }
      long free = alloc.freeIn(ring.rangeOf(i));
      if (free != e.free()) {
        ring = ring.withFree(self, e.token(), free);
        entries = ring.entries();
      }
    }
  }

  // ================================================================== allocation (CNI)

  /**
   * Gives the attachment an address from this node's ranges, or returns the one it already has.
   * Persisted before it returns.
   *
   * @param nowMillis the agent's monotonic clock, used to pace space requests
   * @throws IllegalArgumentException on a bad container id or interface name
   */
  public AllocationResult allocate(String containerId, String ifName, long nowMillis) throws IOException {
    checkUsable();
    AttachmentKey key = new AttachmentKey(containerId, ifName);
    Optional<IpAddress> existing = alloc.lookup(key);
    if (existing.isPresent()) {
      return new AllocationResult.Allocated(existing.get(), false);
    }
    if (ring == null) {
      noSpace++;
      return new AllocationResult.NoSpaceYet("the IPAM ring does not exist yet (waiting for the seeds or the ring creator)", Optional.empty());
    }
    if (isRemoved()) {
      noSpace++;
      return new AllocationResult.NoSpaceYet("this peer was removed from the cluster and is starting over", Optional.empty());
    }
    if (!synced) {
      noSpace++;
      return new AllocationResult.NoSpaceYet(
          "waiting for the first ring exchange with a peer since the agent started", Optional.empty());
    }
    Optional<IpAddress> pick = alloc.pickFree(ring.rangesOwnedBy(self));
    if (pick.isEmpty()) {
      noSpace++;
      Optional<SpaceRequest> req = spaceRequestIfNeeded(nowMillis);
      String reason =
          ring.rangesOwnedBy(self).isEmpty()
              ? "this node owns no addresses yet; it has asked a peer for space"
              : "all " + ownedSize() + " addresses owned by this node are in use; it has asked a peer for more";
      return new AllocationResult.NoSpaceYet(reason, req);
    }
    IpAddress a = pick.get();
    transact(
        () -> {
          alloc.put(key, a);
          syncFreeAt(a);
        },
        () -> alloc.remove(key));
    allocations++;
    log.debug("allocated pod={} address={}", key, a);
    return new AllocationResult.Allocated(a, true);
  }

  /** The attachment's address, if it has one. */
  public Optional<IpAddress> lookup(String containerId, String ifName) {
    return alloc.lookup(new AttachmentKey(containerId, ifName));
  }

  /** Releases the attachment's address; false if it had none (idempotent). */
  public boolean release(String containerId, String ifName) throws IOException {
    checkUsable();
    AttachmentKey key = new AttachmentKey(containerId, ifName);
    if (alloc.lookup(key).isEmpty()) {
      return false;
    }
    IpAddress[] freed = new IpAddress[1];
    IpAddress held = alloc.lookup(key).orElseThrow();
    transact(
        () -> {
          freed[0] = alloc.remove(key).orElseThrow();
          if (ring != null && !ring.isRemoved(self)) {
            syncFreeAt(held);
          }
        },
        () -> alloc.put(key, held));
    releases++;
    log.debug("released pod={} address={}", key, freed[0]);
    return true;
  }

  /** Releases every allocation whose attachment is not in {@code valid} (CNI GC). */
  public GcResult gc(Collection<AttachmentKey> valid) throws IOException {
    checkUsable();
    Set<AttachmentKey> keep = new HashSet<>(valid);
    Map<AttachmentKey, IpAddress> drop = new LinkedHashMap<>();
    for (Map.Entry<AttachmentKey, IpAddress> e : alloc.byKey().entrySet()) {
      if (!keep.contains(e.getKey())) {
        drop.put(e.getKey(), e.getValue());
      }
    }
    if (drop.isEmpty()) {
      return new GcResult(Map.of());
    }
    transact(() -> {
      for (AttachmentKey k : drop.keySet()) {
        alloc.remove(k);
      }
      if (ring != null && !ring.isRemoved(self)) {
        syncFree();
      }
    });
    gcReleased += drop.size();
    log.info("garbage-collected allocations count={} attachments={}", drop.size(), drop.keySet());
    return new GcResult(drop);
  }

  /** Every allocation of this node by attachment. */
  public Map<AttachmentKey, IpAddress> allocations() {
    return alloc.byKey();
  }

  /** This node's reserved gateway/VTEP address (present once the node owns space). */
  public Optional<IpAddress> gateway() {
    return alloc.gateway();
  }

  // ================================================================== space donation

  /**
   * If this node has fewer free addresses than the low watermark, no request is pending (or the
   * last one is older than the retry interval) and some live peer has space to spare, returns a
   * request to send to the peer with the most free space.
   */
  public Optional<SpaceRequest> spaceRequestIfNeeded(long nowMillis) {
    checkUsable();
    if (ring == null || !synced || isRemoved() || localFree() >= config.lowFreeWatermark()) {
      return Optional.empty();
    }
    if (pending != null && nowMillis - pending.sentAtMillis() < config.spaceRequestRetryMillis()) {
      return Optional.empty();
    }
    long donor = chooseDonor(lastRefusedDonor);
    if (donor == 0) {
      donor = chooseDonor(0);
    }
    if (donor == 0) {
      return Optional.empty();
    }
    long best = ring.freeByOwner().get(donor);
    long id = ++nextRequestId;
    pending = new Pending(id, donor, nowMillis);
    spaceRequestsSent++;
    log.info(
        "asking for space peer={} donor={} donorFree={} localFree={}",
        PeerIds.format(self), PeerIds.format(donor), best, localFree());
    return Optional.of(
        SpaceRequest.newBuilder()
            .setFormatVersion(SpaceMessages.FORMAT_VERSION)
            .setGenesis(ring.genesis().id())
            .setRequester(self)
            .setDonor(donor)
            .setWanted(config.wantedPerRequest())
            .setRequestId(id)
            .build());
  }

  /** The live peer with the most free space (at least two blocks), never {@code exclude}; 0 if none. */
  private long chooseDonor(long exclude) {
    long donor = 0;
    long best = 0;
    long minUseful = 2L * config.ring().minBlock();
    for (Map.Entry<Long, Long> e : ring.freeByOwner().entrySet()) {
      long p = e.getKey();
      if (p == self || p == exclude || p == 0 || ring.isRemoved(p) || seedPlaceholders.contains(p)
          || !isLive.test(p)) {
        continue;
      }
      if (e.getValue() >= minUseful && e.getValue() > best) {
        donor = p;
        best = e.getValue();
      }
    }
    return donor;
  }

  /**
   * Donor side: gives the requester a block-aligned part of this node's largest free range, at most
   * half this node's free space (and at most what was asked for), and returns the grant (with the
   * updated ring) for the agent to send back. Persisted before it returns. Never throws for bad
   * remote input: the grant then carries a refusal.
   */
  public SpaceGrant handleSpaceRequest(SpaceRequest req) throws IOException {
    checkUsable();
    SpaceGrant.Builder g =
        SpaceGrant.newBuilder()
            .setFormatVersion(SpaceMessages.FORMAT_VERSION)
            .setGenesis(ring == null ? "" : ring.genesis().id())
            .setDonor(self)
            .setRequester(req.getRequester())
            .setRequestId(req.getRequestId());
    String refusal = refusalFor(req);
    if (refusal != null) {
      spaceRequestsRefused++;
      log.info("refusing space request peer={} requester={} reason={}", PeerIds.format(self), PeerIds.format(req.getRequester()), refusal);
      return g.setRefusal(refusal).build();
    }
    int blockBits = config.ring().blockBits();
    long block = config.ring().minBlock();
    long free = localFree();
    long limitBlocks = (free / 2) >> blockBits;
    if (req.getWanted() > 0) {
      limitBlocks = Math.min(limitBlocks, (req.getWanted() + block - 1) >> blockBits);
    }
    // largest aligned free run inside one of our entries
    IpRange bestRun = null;
    BigInteger bestBlocks = BigInteger.ZERO;
    List<RingEntry> entries = ring.entries();
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).owner() != self) {
        continue;
      }
      for (IpRange run : alloc.freeRuns(ring.rangeOf(i))) {
        BigInteger s = run.start().toBigInteger();
        BigInteger alignedStart = s.add(BigInteger.valueOf(block - 1)).shiftRight(blockBits).shiftLeft(blockBits);
        BigInteger alignedEnd = run.endValue().shiftRight(blockBits).shiftLeft(blockBits);
        if (alignedEnd.compareTo(alignedStart) <= 0) {
          continue;
        }
        BigInteger blocks = alignedEnd.subtract(alignedStart).shiftRight(blockBits);
        if (blocks.compareTo(bestBlocks) > 0) {
          bestBlocks = blocks;
          bestRun = IpRange.ofSize(run.start().plus(alignedStart.subtract(s)), alignedEnd.subtract(alignedStart));
        }
      }
    }
    long take = Math.min(limitBlocks, bestBlocks.min(BigInteger.valueOf(Long.MAX_VALUE >> 1)).longValue());
    if (bestRun == null || take <= 0) {
      spaceRequestsRefused++;
      String why = "donor peer " + PeerIds.format(self) + " has " + free + " free addresses and no free aligned block of "
          + block + " it can spare";
      log.info("refusing space request peer={} requester={} reason={}", PeerIds.format(self), PeerIds.format(req.getRequester()), why);
      return g.setRefusal(why).build();
    }
    BigInteger size = BigInteger.valueOf(take).shiftLeft(blockBits);
    IpAddress pieceStart = bestRun.start().plus(bestRun.size().subtract(size));
    IpRange piece = IpRange.ofSize(pieceStart, size);
    long requester = req.getRequester();
    transact(() -> {
      ring = ring.donate(self, piece, requester, alloc::freeIn);
      syncFree();
    });
    spaceGrantsGiven++;
    log.info("donated space peer={} requester={} range={} size={}", PeerIds.format(self), PeerIds.format(requester), piece, size);
    return g.addGranted(SpaceMessages.toMsg(piece)).setRing(ByteString.copyFrom(RingCodec.encode(ring))).build();
  }

  private String refusalFor(SpaceRequest req) {
    if (req.getFormatVersion() != SpaceMessages.FORMAT_VERSION) {
      return "unsupported request format " + req.getFormatVersion();
    }
    if (ring == null) {
      return "donor has no ring yet";
    }
    if (isRemoved()) {
      return "donor was removed from the cluster";
    }
    if (!synced) {
      return "donor has not synchronised its ring since it started";
    }
    if (!ring.genesis().id().equals(req.getGenesis())) {
      return "request is for ring '" + req.getGenesis() + "', donor has '" + ring.genesis() + "'";
    }
    if (req.getDonor() != self) {
      return "request was addressed to peer " + PeerIds.format(req.getDonor());
    }
    if (req.getRequester() == self) {
      return "a peer cannot ask itself";
    }
    if (ring.isRemoved(req.getRequester())) {
      return "requester peer " + PeerIds.format(req.getRequester()) + " was removed from the cluster; it must rejoin with a new id";
    }
    return null;
  }

  /**
   * Requester side: applies a donor's answer. On success the ring carried in the grant is merged
   * (persisted) and the new ranges are usable at once.
   */
  public GrantResult handleSpaceGrant(SpaceGrant grant) throws IOException {
    checkUsable();
    if (grant.getRequester() != self || ring == null || !ring.genesis().id().equals(grant.getGenesis())) {
      return new GrantResult.Ignored("grant is not for this peer or this ring");
    }
    boolean answersPending = pending != null && pending.requestId() == grant.getRequestId();
    if (!grant.getRefusal().isEmpty() || grant.getGrantedCount() == 0) {
      spaceGrantsRefused++;
      if (answersPending) {
        lastRefusedDonor = grant.getDonor();
      }
      String reason = grant.getRefusal().isEmpty() ? "donor granted nothing" : grant.getRefusal();
      log.info("space request refused peer={} donor={} reason={}", PeerIds.format(self), PeerIds.format(grant.getDonor()), reason);
      return new GrantResult.Refused(reason);
    }
    List<IpRange> granted = SpaceMessages.grantedRanges(grant);
    RingUpdate u = applyRemoteRing(grant.getRing().toByteArray());
    if (answersPending) {
      pending = null;
      lastRefusedDonor = 0;
    }
    spaceGrantsReceived++;
    return new GrantResult.Granted(granted, u);
  }

  // ================================================================== reclaim

  /**
   * Takes over every range of {@code removedPeer} (operator {@code weft rmpeer}, or its Kubernetes
   * Node was deleted and it is dead in gossip). The caller guarantees that only one live peer does
   * this for a given peer (reclaim lock). The removed peer, should it come back, learns it was
   * removed and starts over with a new id.
   */
  public ReclaimResult reclaim(long removedPeer) throws IOException {
    checkUsable();
    if (ring == null) {
      throw new IllegalStateException("no ring yet: nothing to reclaim");
    }
    List<IpRange> before = ring.rangesOwnedBy(self);
    transact(() -> {
      ring = ring.reclaim(self, removedPeer);
      afterRingChange();
    });
    reclaims++;
    List<IpRange> taken = diff(ring.rangesOwnedBy(self), before);
    log.warn("reclaimed ranges of removed peer={} by={} ranges={}", PeerIds.format(removedPeer), PeerIds.format(self), taken);
    return new ReclaimResult(removedPeer, taken);
  }

  /** Reclaims the share of a seed node that never started (its placeholder owner). */
  public ReclaimResult reclaimSeed(String seedName) throws IOException {
    return reclaim(RingGenesis.seedPlaceholder(seedName));
  }

  // ================================================================== views

  /** Every owner's CIDRs (what the datapath routes to each peer); empty without a ring. */
  public Map<Long, List<Cidr>> cidrsByOwner() {
    return ring == null ? Map.of() : ring.cidrsByOwner();
  }

  /** This node's CIDRs. */
  public List<Cidr> ownedCidrs() {
    return ring == null ? List.of() : ring.cidrsOwnedBy(self);
  }

  /** Addresses this node owns (saturating). */
  public long ownedSize() {
    return ring == null ? 0 : ring.sizeByOwner().getOrDefault(self, 0L);
  }

  /** Addresses this node can still hand out. */
  public long localFree() {
    if (ring == null) {
      return 0;
    }
    long f = 0;
    for (IpRange r : ring.rangesOwnedBy(self)) {
      long x = alloc.freeIn(r);
      f = f + x < 0 ? Long.MAX_VALUE : f + x;
    }
    return f;
  }

  public IpamCounters counters() {
    return new IpamCounters(
        allocations, releases, noSpace, gcReleased, ringsApplied, ringsUnchanged, ringsRefusedTakeover,
        ringConflicts, ringMismatches, ringInvalid, spaceRequestsSent, spaceGrantsGiven, spaceRequestsRefused,
        spaceGrantsReceived, spaceGrantsRefused, reclaims);
  }

  public IpamStatus status() {
    List<IpamStatus.OwnerStatus> owners = new ArrayList<>();
    if (ring != null) {
      Map<Long, Long> free = ring.freeByOwner();
      Map<Long, Long> size = ring.sizeByOwner();
      for (long p : ring.owners()) {
        List<IpRange> ranges = ring.rangesOwnedBy(p);
        List<Cidr> cidrs = new ArrayList<>();
        ranges.forEach(r -> cidrs.addAll(r.toCidrs()));
        owners.add(new IpamStatus.OwnerStatus(p, p == self, ring.isRemoved(p), ranges, cidrs, size.get(p), free.get(p)));
      }
    }
    return new IpamStatus(
        self,
        nickname,
        config.ring().range(),
        config.ring().minBlock(),
        ring != null,
        ring == null ? Optional.empty() : Optional.of(ring.genesis().id()),
        isRemoved(),
        owners,
        ownedSize(),
        localFree(),
        alloc.gateway(),
        Map.copyOf(alloc.byKey()),
        pending == null ? Optional.empty() : Optional.of(pending.donor()),
        counters());
  }

  // ================================================================== internals

  private interface Change {
    void apply();
  }

  /** Applies a change and saves; on a failed save restores the previous in-memory state. */
  private void transact(Change change) throws IOException {
    Allocations allocBefore = alloc.copy();
    transact(change, () -> alloc = allocBefore);
  }

  /**
   * Applies a change and saves; on failure restores the ring and runs {@code undoAllocations},
   * which must put the allocations back as they were (cheaper than a copy for one-address changes).
   */
  private void transact(Change change, Runnable undoAllocations) throws IOException {
    Ring ringBefore = ring;
    RingGenesis expectedBefore = expected;
    try {
      change.apply();
      store.save(snapshot());
    } catch (IOException | RuntimeException e) {
      ring = ringBefore;
      undoAllocations.run();
      expected = expectedBefore;
      if (e instanceof IOException io) {
        log.error("could not save IPAM state peer={}: {}", PeerIds.format(self), io.toString());
        throw io;
      }
      throw e;
    }
  }

  private PersistedState snapshot() {
    return new PersistedState(
        self, nickname, config.ring(), Optional.ofNullable(ring), alloc.byKey(), alloc.gateway(), nextRequestId);
  }

  private void checkUsable() {
    if (discarded) {
      throw new IllegalStateException("IPAM state of peer " + PeerIds.format(self) + " was discarded; open a new IpamNode");
    }
  }

  private static List<IpRange> diff(List<IpRange> a, List<IpRange> b) {
    return Intervals.subtract(a, b);
  }

}
