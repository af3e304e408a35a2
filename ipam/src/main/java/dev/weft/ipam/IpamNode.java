package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.RangeTakeoverRefusedException;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingConflictException;
import dev.weft.ipam.ring.RingDecodeException;
import dev.weft.ipam.ring.RingGenesis;
import dev.weft.ipam.ring.RingInvariantException;
import dev.weft.ipam.ring.RingMismatchException;
import dev.weft.ipam.ring.TombstoneGate;
import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's IPAM: the ring as this peer sees it, its allocations and its persistence. This is
 * what the agent calls, from its one event loop (not thread-safe; no threads, no clock: time is
 * passed in where it matters). The work is done by one class per concern: {@link Bootstrap},
 * {@link RingExchange} (rings and deltas, the sync gate), {@link PodAddresses}, {@link
 * SpaceRequester} and {@link SpaceDonor} (with the pure {@link DonationPlanner}), {@link Reclaim},
 * {@link StatusView}; {@link NodeState} holds the state and persists it.
 *
 * <p>Every method that changes state saves it through the {@link IpamStore} before it returns; if
 * the save fails the change is rolled back and the {@link IOException} is thrown, so an answer
 * (an address, a grant, a published delta) is never based on state that could be lost.
 *
 * <p>Life cycle: {@link #open}; then one of {@link #bootstrapFromSeeds} (seed nodes then call
 * {@link #claimSeedShare} once they have the cluster's current ring), {@link #bootstrapAsCreator},
 * {@link #expectGenesis} (or nothing: the first ring received over gossip is adopted). Feed {@link
 * #applyRemoteDelta} with deltas and {@link #applyRemoteRing} with full rings from gossip; after any
 * call publish {@link #takeOutgoingDelta} if present (this node's own ring changes; a received
 * delta or ring that {@code changed} something is passed on by gossip itself); serve {@link
 * #localRingBytes} for anti-entropy. Pod allocations never change the ring: publish {@link
 * #localFree} in the node record and feed the peers' values back with {@link #setFreeHints}. Call
 * {@link #spaceRequestIfNeeded} on every tick and send what it returns; a node alone in the cluster
 * calls {@link #markSynced}. When a {@link RingUpdate} says {@code selfRemoved}, call {@link
 * #discardState} and open a new node with a new peer id.
 */
public final class IpamNode {
    private static final Logger log = LoggerFactory.getLogger(IpamNode.class);

    private final NodeState s;
    private final Bootstrap bootstrap;
    private final RingExchange exchange;
    private final SpaceRequester requester;
    private final SpaceDonor donor;
    private final PodAddresses pods;
    private final Reclaim reclaim;

    private IpamNode(NodeState s) {
        this.s = s;
        this.bootstrap = new Bootstrap(s);
        this.exchange = new RingExchange(s);
        this.requester = new SpaceRequester(s, exchange);
        this.donor = new SpaceDonor(s);
        this.pods = new PodAddresses(s, requester);
        this.reclaim = new Reclaim(s);
    }

    // ================================================================== life cycle

    /**
     * Loads this node's IPAM from {@code store}, or starts empty if nothing was ever saved.
     *
     * @param self this agent's peer id (persisted by the agent)
     * @param nickname the node name (what the seed list calls this node)
     * @throws dev.weft.ipam.store.IpamStoreCorruptException if the stored state is unreadable
     * @throws IpamStateMismatchException if it belongs to another peer id or another range/block
     */
    public static IpamNode open(IpamConfig config, IpamStore store, PeerId self, String nickname) throws IOException {
        if (nickname == null || nickname.isBlank()) {
            throw new IllegalArgumentException("nickname (node name) is required");
        }
        if (self == null) {
            throw new IllegalArgumentException("peer id is required");
        }
        NodeState s = new NodeState(config, store, self, nickname);
        Optional<PersistedState> loaded = store.load();
        if (loaded.isEmpty()) {
            log.info(
                    "no IPAM state yet, starting empty peer={} range={}",
                    self,
                    config.ring().range());
            return new IpamNode(s);
        }
        s.restore(loaded.get());
        return new IpamNode(s);
    }

    /**
     * Seed mode: computes the deterministic initial ring from the seed node names (every node given
     * the same list computes the same ring; seed shares are owned by name placeholders). A seed node
     * then calls {@link #claimSeedShare()} once it has the cluster's current ring. If a ring already
     * exists it must have the same genesis (then this is a no-op). Yields no delta (every node
     * computes this ring itself).
     *
     * @throws RingMismatchException if the existing ring was created differently
     */
    public void bootstrapFromSeeds(Collection<String> seedNames) throws IOException {
        bootstrap.fromSeeds(seedNames);
    }

    /**
     * Claims this node's seed share (entries still owned by the placeholder of {@link #nickname()}),
     * returning the ranges claimed (empty if there is nothing left to claim). Yields a delta.
     *
     * <p>Call it only once this node has the cluster's current ring: after merging the ring of at
     * least one established peer (gossip join with full state exchange), or when no other peer is
     * reachable in a cluster being created. A node that was wiped and came back under the same name
     * with a new peer id then sees its old share already claimed (or reclaimed) and claims nothing;
     * claiming on the stale initial ring instead would make two identities own the same range
     * (reported as a {@link RingConflictException}).
     */
    public List<IpRange> claimSeedShare() throws IOException {
        return bootstrap.claimSeedShare();
    }

    /**
     * Creator mode (Kubernetes): this peer won the external decision and creates the ring owning the
     * whole range. {@code decisionToken} identifies the decision (both sides read it from the same
     * record, see {@link #expectGenesis}). Idempotent. Yields a delta.
     */
    public void bootstrapAsCreator(String decisionToken) throws IOException {
        bootstrap.asCreator(decisionToken);
    }

    /**
     * Join mode: accept only a ring with this genesis (e.g. {@code RingGenesis.creator(creatorPeer,
     * token)} from the Kubernetes bootstrap record). Without this call the first ring received for
     * the configured range is adopted.
     */
    public void expectGenesis(RingGenesis genesis) {
        bootstrap.expectGenesis(genesis);
    }

    /**
     * Declares the local ring current without a ring exchange: for a node that is alone (gossip
     * found no other member). A node opened from persisted state hands out no new addresses and
     * donates nothing until it has received a full ring that includes its own latest entries (or
     * claimed a seed share, or created the ring): its ranges may have been reclaimed while it was
     * away. A delta never opens this gate (it is partial).
     */
    public void markSynced() {
        s.synced = true;
    }

    /** True once the local ring is known to be current (see {@link #markSynced()}). */
    public boolean isSynced() {
        return s.synced;
    }

    /** Which peers the agent currently believes alive (donor choice skips others). Default: all. */
    public void setLivenessView(Predicate<PeerId> isLive) {
        requester.setLivenessView(isLive);
    }

    /**
     * The peers' free-address counts as they last gossiped them (each node record's {@code
     * ipam_free}, i.e. that node's {@link #localFree()}); replaces the previous hints. Donor choice
     * uses them, and the ring's per-entry counts for peers without a hint. Advisory: a donor decides
     * from its real free space.
     */
    public void setFreeHints(Map<PeerId, Long> freeHints) {
        requester.setFreeHints(freeHints);
    }

    /** True once this peer learned that it was removed (reclaimed); see {@link #discardState}. */
    public boolean isRemoved() {
        return s.isRemoved();
    }

    /**
     * Deletes the persisted state after this peer was removed; the agent then generates a new peer id
     * and calls {@link #open} again. This object is unusable afterwards.
     */
    public void discardState() throws IOException {
        log.warn(
                "discarding IPAM state peer={} reason={} allocations={}",
                s.selfId,
                isRemoved()
                        ? "removed from the cluster by peer "
                                + s.ring().tombstoneOf(s.self).orElseThrow().reclaimedBy()
                        : "requested",
                s.alloc.count());
        s.store.delete();
        s.discarded = true;
        s.outgoing.clear();
    }

    // ================================================================== ring / gossip

    public PeerId self() {
        return s.selfId;
    }

    public String nickname() {
        return s.nickname;
    }

    public IpamConfig config() {
        return s.config;
    }

    public Optional<Ring> ring() {
        return Optional.ofNullable(s.ring());
    }

    /**
     * The local ring encoded for anti-entropy (push-pull, joins); empty while there is no ring.
     * Encoded once per ring change, a copy per call.
     */
    public Optional<byte[]> localRingBytes() {
        return exchange.localRingBytes();
    }

    /**
     * The ring changes this node made since the last call (claim, creation, donation given, grant
     * received, reclaim, and reclaim follow-ups after a merge), encoded as a {@code RingDeltaMsg} to
     * publish; empty if there are none. Changes learned from others are not repeated here: gossip
     * passes on a received delta or ring whose {@link RingUpdate#changed()} is true.
     */
    public Optional<byte[]> takeOutgoingDelta() {
        return exchange.takeOutgoingDelta();
    }

    /** True if {@link #takeOutgoingDelta()} would return something. */
    public boolean hasOutgoingDelta() {
        return !s.outgoing.isEmpty() && !s.isRemoved();
    }

    /**
     * Merges a full ring received from a peer (anti-entropy, join, grant). Returns what changed; when
     * {@code changed} is false there is nothing new to propagate. Errors leave the local state
     * untouched and are counted. The first ring received (of the expected genesis) is adopted.
     *
     * @throws RingDecodeException malformed bytes
     * @throws RingInvariantException the received or merged ring is invalid
     * @throws RingMismatchException the ring is of another range, block size or genesis
     * @throws RingConflictException equal versions with different content
     * @throws RangeTakeoverRefusedException it would take a range with addresses in use here
     */
    public RingUpdate applyRemoteRing(byte[] bytes) throws IOException {
        return exchange.applyRemoteRing(bytes);
    }

    /**
     * Merges a delta ({@code RingDeltaMsg} from {@link #takeOutgoingDelta()} of a peer): the ring's
     * per-token join restricted to the tokens it carries. Same checks, outcomes and exceptions as
     * {@link #applyRemoteRing}. A node without a ring ignores deltas (counted as {@code
     * deltasWithoutRing}; it needs a full ring first) but still refuses foreign ones.
     */
    public RingUpdate applyRemoteDelta(byte[] bytes) throws IOException {
        return exchange.applyRemoteDelta(bytes);
    }

    /**
     * {@link #applyRemoteRing(byte[])} where a new tombstone must also pass {@code gate} (Kubernetes: the reclaim
     * Lease). Every remote ring is checked by {@code RingAuthority}: a tombstone needs the reclaimer's
     * version-jumped entries, and nothing changes this node's entries except a proven reclaim of it.
     *
     * @throws dev.weft.ipam.ring.RingAuthorityException a rule was broken (its {@code reason()} names which)
     */
    public RingUpdate applyRemoteRing(byte[] bytes, TombstoneGate gate) throws IOException {
        return exchange.applyRemoteRing(bytes, gate);
    }

    /**
     * A full ring state sent by {@code from}, whose signature on it gossip verified (anti-entropy, joins, pushes). Like
     * {@link #applyRemoteRing(byte[], TombstoneGate)}, but a change is merged only when {@code from} is its author
     * (the entry it falls in here is {@code from}'s, or of a peer {@code from} reclaimed, or its seed claim) or when
     * full states of two distinct senders showed the identical entry; the rest is left out (it stays as it is here)
     * and counted ({@link IpamCounters#ringEntriesUnproven()}, {@link IpamCounters#ringEntriesCorroborated()}). A
     * node without a ring starts from the genesis ring ({@code creator:} genesis) under the same rules.
     *
     * @throws dev.weft.ipam.ring.RingAuthorityException a rule was broken (its {@code reason()} names which)
     */
    public RingUpdate applyRemoteRing(PeerId from, byte[] bytes, TombstoneGate gate) throws IOException {
        if (from == null) {
            throw new IllegalArgumentException("the sender of a full state is required");
        }
        return exchange.applyRemoteRing(from, bytes, gate);
    }

    /**
     * {@link #applyRemoteDelta(byte[])} published by {@code from} (its origin as authenticated by gossip): it may
     * change only entries of {@code from} and of peers {@code from} reclaimed, and carry a new tombstone only as
     * its reclaimer; new tombstones must pass {@code gate}.
     */
    public RingUpdate applyRemoteDelta(PeerId from, byte[] bytes, TombstoneGate gate) throws IOException {
        return exchange.applyRemoteDelta(from, bytes, gate);
    }

    // ================================================================== allocation (CNI)

    /**
     * Gives the attachment an address from this node's ranges, or returns the one it already has.
     * Persisted before it returns; does not change the ring.
     *
     * @param nowMillis the agent's monotonic clock, used to pace space requests
     * @throws IllegalArgumentException on a bad container id or interface name
     */
    public AllocationResult allocate(String containerId, String ifName, long nowMillis) throws IOException {
        return pods.allocate(containerId, ifName, nowMillis);
    }

    /** The attachment's address, if it has one. */
    public Optional<IpAddress> lookup(String containerId, String ifName) {
        return pods.lookup(containerId, ifName);
    }

    /** Releases the attachment's address; false if it had none (idempotent). Does not change the ring. */
    public boolean release(String containerId, String ifName) throws IOException {
        return pods.release(containerId, ifName);
    }

    /** Releases every allocation whose attachment is not in {@code valid} (CNI GC). */
    public GcResult gc(Collection<AttachmentKey> valid) throws IOException {
        return pods.gc(valid);
    }

    /** Every allocation of this node by attachment. */
    public Map<AttachmentKey, IpAddress> allocations() {
        return s.alloc.byKey();
    }

    /** This node's reserved gateway/VTEP address (present once the node owns space). */
    public Optional<IpAddress> gateway() {
        return s.alloc.gateway();
    }

    // ================================================================== space donation

    /**
     * If this node has fewer free addresses than the low watermark, no request is pending (or the
     * last one is older than the retry interval) and some live peer has space to spare, returns a
     * request to send to the peer believed to have the most free space (see {@link #setFreeHints}).
     */
    public Optional<SpaceRequest> spaceRequestIfNeeded(long nowMillis) {
        return requester.requestIfNeeded(nowMillis);
    }

    /** {@link #setFreeHints} then {@link #spaceRequestIfNeeded(long)}. */
    public Optional<SpaceRequest> spaceRequestIfNeeded(long nowMillis, Map<PeerId, Long> freeHints) {
        requester.setFreeHints(freeHints);
        return requester.requestIfNeeded(nowMillis);
    }

    /**
     * Donor side: gives the requester a block-aligned part of this node's largest free range, at most
     * half this node's free space (and at most what was asked for), and returns the grant (with the
     * updated ring) for the agent to send back. Persisted before it returns; yields a delta. Never
     * throws for bad remote input: the grant then carries a refusal.
     */
    public SpaceGrant handleSpaceRequest(SpaceRequest req) throws IOException {
        return donor.handle(req);
    }

    /**
     * Requester side: applies a donor's answer. On success the ring carried in the grant is merged
     * (persisted) and the new ranges are usable at once; yields a delta of the entries gained.
     */
    public GrantResult handleSpaceGrant(SpaceGrant grant) throws IOException {
        return requester.handleGrant(null, grant, TombstoneGate.ADMIT_ALL);
    }

    /**
     * {@link #handleSpaceGrant(SpaceGrant)} sent by {@code from}, proven by gossip (direct messages are signed by
     * their sender): ignored unless {@code from} is the grant's donor; its ring is merged as a full state from
     * {@code from} ({@link #applyRemoteRing(PeerId, byte[], TombstoneGate)}), so the donor's split, which the donor
     * wrote, is believed at once.
     *
     * @throws dev.weft.ipam.ring.RingAuthorityException a rule was broken by the grant's ring
     */
    public GrantResult handleSpaceGrant(PeerId from, SpaceGrant grant, TombstoneGate gate) throws IOException {
        if (from == null) {
            throw new IllegalArgumentException("the sender of a grant is required");
        }
        return requester.handleGrant(from, grant, gate);
    }

    // ================================================================== reclaim

    /**
     * Takes over every range of {@code removedPeer} (operator {@code weft rmpeer}, or its Kubernetes
     * Node was deleted and it is dead in gossip). The caller guarantees that only one live peer does
     * this for a given peer (reclaim lock). The removed peer, should it come back, learns it was
     * removed and starts over with a new id. Yields a delta.
     */
    public ReclaimResult reclaim(PeerId removedPeer) throws IOException {
        return reclaim.reclaim(removedPeer);
    }

    /** Reclaims the share of a seed node that never started (its placeholder owner). */
    public ReclaimResult reclaimSeed(String seedName) throws IOException {
        return reclaim.reclaim(PeerId.of(RingGenesis.seedPlaceholder(seedName)));
    }

    // ================================================================== views

    /** Every owner's CIDRs (what the datapath routes to each peer), owners in id order; empty without a ring. */
    public Map<PeerId, List<Cidr>> cidrsByOwner() {
        if (s.ring() == null) {
            return Map.of();
        }
        Map<PeerId, List<Cidr>> out = new TreeMap<>();
        s.ring().cidrsByOwner().forEach((p, c) -> out.put(PeerId.of(p), c));
        return Collections.unmodifiableMap(out);
    }

    /** This node's CIDRs. */
    public List<Cidr> ownedCidrs() {
        return s.ring() == null ? List.of() : s.ring().cidrsOwnedBy(s.self);
    }

    /** Addresses this node owns (saturating). */
    public long ownedSize() {
        return s.ring() == null ? 0 : s.ring().sizeByOwner().getOrDefault(s.self, 0L);
    }

    /** Addresses this node can still hand out: what it publishes as its free-space hint. */
    public long localFree() {
        return s.localFree();
    }

    public IpamCounters counters() {
        return s.counters.snapshot();
    }

    public IpamStatus status() {
        return StatusView.of(s, requester);
    }
}
