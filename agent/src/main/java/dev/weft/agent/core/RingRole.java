package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.GrantResult;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.ReclaimResult;
import dev.weft.ipam.RingUpdate;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.RangeTakeoverRefusedException;
import dev.weft.ipam.ring.RingAuthorityException;
import dev.weft.ipam.ring.Tombstone;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's part in the range-ownership ring: merging what peers send (full state for anti-entropy, deltas
 * for ownership changes), publishing local ownership changes as deltas once they are on disk, the seed claim of a
 * new cluster, the sync gate after a restart, space requests and grants, and reclaim. Runs on the controller's
 * thread; every effect goes through {@link Effects}.
 */
final class RingRole {
    private static final Logger log = LoggerFactory.getLogger(RingRole.class);

    static final String TOPIC_SPACE_REQUEST = "ipam.space.request";
    static final String TOPIC_SPACE_GRANT = "ipam.space.grant";
    /** With seeds and no live peer after this long, this node is creating the cluster and claims its share alone. */
    static final long ALONE_AFTER_MS = 3_000;
    /** A peer's next space request is honoured only this long after its last one (a repeat of it is answered again). */
    static final long SPACE_REQUEST_INTERVAL_MS = 2_000;

    private record Answered(long requestId, long atMs, SpaceGrant grant) {}

    private final IpamNode ipam;
    private final ControllerSettings settings;
    private final Durability durability;
    private final PeerTable peers;
    private final Effects fx;
    private final long startedMs;
    private final java.util.function.ToLongFunction<dev.weft.agent.proto.NodeRecord> freeOf;
    private boolean heardRing;
    private boolean seedClaimDone;
    private boolean removed;
    private String error;
    private long refusedRings;
    private final Map<PeerId, Answered> answered = new HashMap<>();
    private final Map<String, Long> refused = new java.util.TreeMap<>();
    private final Map<String, Long> refusedLoggedAt = new HashMap<>();
    private final ReclaimLeaseGate leases;
    private final RemovalRefusal removal = new RemovalRefusal();
    private long lastNowMs;

    RingRole(
            IpamNode ipam,
            ControllerSettings settings,
            Durability durability,
            PeerTable peers,
            Effects fx,
            long startedMs) {
        this(ipam, settings, durability, peers, fx, startedMs, dev.weft.agent.proto.NodeRecord::getIpamFree);
    }

    /** {@code freeOf}: where a peer's record publishes its free count for this ring's family. */
    RingRole(
            IpamNode ipam,
            ControllerSettings settings,
            Durability durability,
            PeerTable peers,
            Effects fx,
            long startedMs,
            java.util.function.ToLongFunction<dev.weft.agent.proto.NodeRecord> freeOf) {
        this.freeOf = freeOf;
        this.ipam = ipam;
        this.settings = settings;
        this.durability = durability;
        this.peers = peers;
        this.fx = fx;
        this.startedMs = startedMs;
        this.lastNowMs = startedMs;
        this.leases = new ReclaimLeaseGate(settings.kubernetes(), ipam.self());
    }

    /** Serves the ring as it is at start (persisted or freshly seeded) for anti-entropy. */
    void start() {
        ipam.localRingBytes().ifPresent(fx::publishRingState);
    }

    /** A peer's full ring (join, push-pull, repair). Returns true when this node's view of the cluster changed. */
    boolean onState(PeerId from, byte[] state) {
        return apply(from, state, false);
    }

    /** A peer's ownership change. Returns true when this node's view of the cluster changed. */
    boolean onDelta(PeerId from, byte[] delta) {
        return apply(from, delta, true);
    }

    private boolean apply(PeerId from, byte[] bytes, boolean delta) {
        if (removed || bytes.length == 0 || settings.podCidrMode()) return false;
        RingUpdate u;
        try {
            // both senders are proven: gossip verified the origin's signature on a delta, the sender's on a state
            u = delta ? ipam.applyRemoteDelta(from, bytes, leases) : ipam.applyRemoteRing(from, bytes, leases);
            error = null;
        } catch (RingAuthorityException | RangeTakeoverRefusedException e) {
            refusedRings++;
            onRefused(from, bytes, delta, e);
            return false;
        } catch (IOException | RuntimeException e) {
            // typed ring errors: mismatch (another ring), conflict, invariant, decode
            refusedRings++;
            refused.merge(reasonOf(e), 1L, Long::sum);
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!msg.equals(error)) {
                log.atError()
                        .addKeyValue("peer", from)
                        .addKeyValue("error", e.getClass().getSimpleName())
                        .log("refused a ring update from a peer: " + e.getMessage());
            }
            error = msg;
            return false;
        }
        // the seed claim waits for a state believed in full: claiming on a ring that still lacks unproven changes
        // could claim a share already claimed or reclaimed (a conflict)
        if (delta || u.unproven() == 0) heardRing = true;
        if (u.selfRemoved()) {
            removed = true;
            try {
                ipam.discardState(); // the staged copy is forgotten; the runtime deletes the file after pending writes
            } catch (IOException e) {
                log.atWarn().log("could not discard the IPAM state: " + e.getMessage());
            }
            log.atError()
                    .addKeyValue("peer", ipam.self())
                    .log(
                            "this node's address ranges were reclaimed by another node while it was away (weft rmpeer, or its "
                                    + "Kubernetes Node was deleted); discarding its IPAM state and starting over with a new peer id");
            fx.restartAsNewPeer();
            return false;
        }
        for (IpRange r : u.gained()) log.atInfo().addKeyValue("range", r).log("this node now owns a range");
        for (IpRange r : u.lost()) log.atInfo().addKeyValue("range", r).log("range moved to another node");
        if (u.changed()) serveStateWhenWritten();
        return u.changed();
    }

    private static String reasonOf(Exception e) {
        return switch (e) {
            case dev.weft.ipam.ring.RingConflictException c -> "ring_conflict";
            case dev.weft.ipam.ring.RingMismatchException m -> "ring_mismatch";
            case dev.weft.ipam.ring.RingDecodeException d -> "ring_invalid";
            case dev.weft.ipam.ring.RingInvariantException i -> "ring_invalid";
            default -> "ring_error";
        };
    }

    /** Counts a ring update refused by an authority rule or because it would take addresses in use, by reason. */
    private void onRefused(PeerId from, byte[] bytes, boolean delta, RuntimeException e) {
        if (e instanceof RingAuthorityException a) {
            if (a.reason().equals(ReclaimLeaseGate.UNCHECKED)) {
                a.tombstone().ifPresent(t -> leases.park(t, from, bytes, delta)); // applied once the Lease answers
                return;
            }
            refuse(from, a.reason(), "refused a ring update: " + a.getMessage(), lastNowMs);
        } else if (e instanceof RangeTakeoverRefusedException t && t.selfRemoved()) {
            refused.merge(RemovalRefusal.REASON, 1L, Long::sum);
            removal.refused(ipam.self(), t.newOwner(), from, ipam.allocations().size());
        } else {
            refuse(from, "takeover_in_use", "refused a ring update: " + e.getMessage(), lastNowMs);
        }
    }

    /** Kubernetes: the tombstones whose reclaim Lease the Kubernetes role should read (drained). */
    List<Tombstone> leaseChecksWanted() {
        return leases.takeWanted();
    }

    /** Kubernetes: the reclaim Lease's answer about {@code t}; an update parked for it is applied when it admits. */
    boolean onLeaseAnswer(Tombstone t, ReclaimLeaseAnswer a) {
        var parked = leases.onAnswer(t, a, lastNowMs);
        Optional<String> no = leases.refusalFor(t, a);
        if (no.isPresent()) {
            refuse(
                    t.reclaimedBy(),
                    no.get(),
                    "refused a ring update with the tombstone " + t + ": the reclaim Lease "
                            + (a == ReclaimLeaseAnswer.MISSING ? "does not exist" : "names another reclaimer"),
                    lastNowMs);
        }
        return parked.isPresent()
                && apply(parked.get().from(), parked.get().bytes(), parked.get().delta());
    }

    /** A change made here: spread it as a delta, and serve the new full state, both once it is on disk. */
    void publishLocalChange() {
        var delta = ipam.takeOutgoingDelta();
        serveStateWhenWritten();
        delta.ifPresent(d -> durability.afterWrite(
                () -> fx.publishRingDelta(d),
                err -> log.atWarn().log("a ring change was not published because it could not be saved: " + err)));
    }

    private void serveStateWhenWritten() {
        ipam.localRingBytes().ifPresent(b -> durability.afterWrite(() -> fx.publishRingState(b), err -> {}));
    }

    /** Every tick: seed claim, sync when alone, ask for space when low. Returns true when ownership changed. */
    boolean onTick(long now) {
        lastNowMs = now;
        leases.setNow(now);
        if (removed || settings.podCidrMode()) return false;
        boolean changed = claimSeedShareWhenSynced(now);
        if (!ipam.isSynced() && ipam.ring().isPresent() && now - startedMs >= ALONE_AFTER_MS && !peers.anyAlive()) {
            ipam.markSynced();
            log.atInfo().log("no peer answered since start: this node is alone and uses its persisted address ranges");
        }
        ipam.spaceRequestIfNeeded(now, freeHints()).ifPresent(this::sendSpaceRequest);
        return changed;
    }

    /**
     * A seed node claims its share of the initial split once it has the cluster's current ring (merged one from a
     * live peer), or alone when no peer is alive a few seconds after start (the cluster is being created).
     */
    private boolean claimSeedShareWhenSynced(long now) {
        if (seedClaimDone || !settings.seedMode()) return false;
        if (!heardRing && (peers.anyAlive() || now - startedMs < ALONE_AFTER_MS)) return false;
        List<IpRange> claimed;
        try {
            claimed = ipam.claimSeedShare();
        } catch (IOException e) {
            return false; // staged store: not reached
        }
        seedClaimDone = true;
        if (claimed.isEmpty()) return false;
        log.atInfo().addKeyValue("range", claimed).log("claimed this node's share of the initial address split");
        publishLocalChange();
        return true;
    }

    /** The free-space hints peers publish in their node records (advisory; a donor re-checks its real space). */
    private Map<PeerId, Long> freeHints() {
        Map<PeerId, Long> hints = new HashMap<>();
        for (PeerTable.Peer p : peers.all())
            p.record().ifPresent(r -> hints.put(p.id(), freeOf.applyAsLong(r.record())));
        return hints;
    }

    void sendSpaceRequest(SpaceRequest req) {
        PeerId donor = PeerId.of(req.getDonor());
        log.atInfo()
                .addKeyValue("peer", donor)
                .addKeyValue("nickname", peers.nickname(donor))
                .addKeyValue("free", ipam.localFree())
                .log("asking the peer with the most free space for addresses");
        fx.send(donor, TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
    }

    /** A space request or grant from a peer. Returns true when ownership changed. */
    boolean onMessage(PeerId from, String topic, byte[] payload, long now) {
        if (removed) return false;
        try {
            return switch (topic) {
                case TOPIC_SPACE_REQUEST -> onSpaceRequest(from, SpaceMessages.decodeRequest(payload), now);
                case TOPIC_SPACE_GRANT -> onSpaceGrant(from, SpaceMessages.decodeGrant(payload));
                default -> {
                    log.atDebug()
                            .addKeyValue("peer", from)
                            .addKeyValue("topic", topic)
                            .log("message with unknown topic dropped");
                    yield false;
                }
            };
        } catch (IOException | RuntimeException e) {
            refuse(from, "malformed", "bad IPAM message from peer dropped: " + e.getMessage(), now);
            return false;
        }
    }

    /**
     * Space is given only to the authenticated sender named in the request, only while it is alive, and at most once
     * per {@link #SPACE_REQUEST_INTERVAL_MS}; a repeated request (same id) is answered with the same grant again, so a
     * lost answer costs no extra space and a flood of requests drains nothing.
     */
    private boolean onSpaceRequest(PeerId from, SpaceRequest req, long now) throws IOException {
        if (req.getRequester() != from.value()) {
            refuse(
                    from,
                    "space_request_wrong_requester",
                    "space request names another requester than its authenticated sender; dropped",
                    now);
            return false;
        }
        if (!peers.isAlive(from)) {
            refuse(from, "space_request_not_live", "space request from a peer that is not alive here; dropped", now);
            return false;
        }
        Answered last = answered.get(from);
        if (last != null && last.requestId() == req.getRequestId()) {
            durability.afterWrite(
                    () -> fx.send(from, TOPIC_SPACE_GRANT, SpaceMessages.encode(last.grant())), err -> {});
            return false;
        }
        if (last != null && now - last.atMs() < SPACE_REQUEST_INTERVAL_MS) {
            refuse(
                    from,
                    "space_request_rate_limited",
                    "space requests from a peer come faster than one per " + SPACE_REQUEST_INTERVAL_MS / 1000
                            + " s; dropped",
                    now);
            return false;
        }
        SpaceGrant grant = ipam.handleSpaceRequest(req);
        answered.keySet().removeIf(p -> !peers.isAlive(p));
        answered.put(from, new Answered(req.getRequestId(), now, grant));
        boolean given = grant.getRefusal().isEmpty();
        durability.afterWrite(
                () -> fx.send(from, TOPIC_SPACE_GRANT, SpaceMessages.encode(grant)),
                err -> log.atWarn()
                        .addKeyValue("peer", from)
                        .log("no answer to a space request: the donation could not be saved: " + err));
        if (given) {
            log.atInfo()
                    .addKeyValue("peer", from)
                    .addKeyValue("nickname", peers.nickname(from))
                    .addKeyValue("ranges", grant.getGrantedCount())
                    .log("gave address space to a peer that asked");
            publishLocalChange();
        }
        return given;
    }

    /**
     * A grant from {@code from} (proven: gossip verified its signature on the message). Its ring is merged as a full
     * state from {@code from}; refused by an authority rule, it is counted like a refused state (and, waiting for a
     * reclaim Lease, applied once the Lease answers).
     */
    private boolean onSpaceGrant(PeerId from, SpaceGrant grant) throws IOException {
        GrantResult r;
        try {
            r = ipam.handleSpaceGrant(from, grant, leases);
        } catch (RingAuthorityException | RangeTakeoverRefusedException e) {
            refusedRings++;
            onRefused(from, grant.getRing().toByteArray(), false, e);
            return false;
        }
        switch (r) {
            case GrantResult.Granted g -> {
                log.atInfo()
                        .addKeyValue("peer", from)
                        .addKeyValue("nickname", peers.nickname(from))
                        .addKeyValue("range", g.granted())
                        .log("received address space from a peer");
                publishLocalChange();
                return true;
            }
            case GrantResult.Refused f ->
                log.atInfo()
                        .addKeyValue("peer", from)
                        .log("peer could not spare address space: " + f.reason() + "; will ask again");
            case GrantResult.Ignored i ->
                log.atDebug().addKeyValue("peer", from).log("ignored space grant: " + i.reason());
        }
        return false;
    }

    /** Takes over every range of a peer that is gone for good (the caller checked it may). */
    List<IpRange> reclaim(PeerId target) throws IOException {
        ReclaimResult r = ipam.reclaim(target);
        if (!r.taken().isEmpty()) publishLocalChange();
        return r.taken();
    }

    boolean heardRing() {
        return heardRing;
    }

    boolean removed() {
        return removed;
    }

    /** A refused removal of this node (sticky), else the last refused ring update, or null. */
    String error() {
        return removal.message() != null ? removal.message() : error;
    }

    long refusedRings() {
        return refusedRings;
    }

    /** Messages refused, by reason (stable names for metrics). */
    Map<String, Long> refused() {
        return Map.copyOf(refused);
    }

    /** Counts a refusal; logs at most one line per reason a minute (with the count so far). */
    private void refuse(PeerId from, String reason, String message, long now) {
        long n = refused.merge(reason, 1L, Long::sum);
        Long last = refusedLoggedAt.get(reason);
        if (last == null || now - last >= 60_000) {
            refusedLoggedAt.put(reason, now);
            log.atWarn()
                    .addKeyValue("peer", from)
                    .addKeyValue("reason", reason)
                    .addKeyValue("count", n)
                    .log(message);
        }
    }
}
