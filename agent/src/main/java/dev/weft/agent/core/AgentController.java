package dev.weft.agent.core;

import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.ReconcileResult;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one controller (DESIGN §2): a single-threaded object that owns the cluster view (members and their
 * records, the ring, local allocations) and is fed events — member changes, ring states and deltas, space
 * messages, CNI requests, kernel reports, {@code onTick(now)} — and answers through {@link Effects}. It does no
 * I/O: disk writes and kernel work run elsewhere and come back as {@link #onPersisted}/{@link #onDatapathApplied}.
 * Answers that rest on new state (an address, a grant, a ring change) leave only once that state is on disk; a
 * pod's ADD is answered once its host route is in the kernel. Not thread-safe: the runtime (or a simulation)
 * calls it from one thread, then reads {@link #snapshot()}.
 */
public final class AgentController {
    private static final Logger log = LoggerFactory.getLogger(AgentController.class);

    /** Full datapath apply at least this often even when nothing changed (repairs what netlink events missed). */
    static final long REAPPLY_EVERY_MS = 10_000;
    /** A restarted agent removes kernel entries only once its view is settled, or after this long. */
    static final long SETTLE_AT_MOST_MS = 15_000;

    private final LocalNode self;
    private final ControllerSettings settings;
    private final IpamNode ipam;
    private final Effects fx;
    private final PeerTable peers = new PeerTable();
    private final NodeAdmission admission;
    private final Durability durability;
    private final RingRole ring;
    private final PodRequests pods;
    private final NodeRecordBuilder records;
    private final SpaceWatch spaceWatch = new SpaceWatch();
    private final MemberLog memberLog;
    private final long startedMs;

    private boolean viewDirty = true;
    private long lastApplyMs = Long.MIN_VALUE / 2;
    private long applySeq;
    private boolean applyInFlight;
    private boolean viewSettled;
    private DesiredState lastDesired;
    private ReconcileResult lastReconcile;
    private boolean datapathProgrammed;
    private String datapathError;
    private long nowMs;

    /**
     * @param ipam opened on {@code store} (the staged store this controller flushes through {@link Effects#persist})
     */
    public AgentController(
            LocalNode self, ControllerSettings settings, IpamNode ipam, StagedStore store, Effects fx, long nowMs) {
        this.self = self;
        this.settings = settings;
        this.ipam = ipam;
        this.fx = fx;
        this.startedMs = nowMs;
        this.nowMs = nowMs;
        this.durability = new Durability(store);
        this.admission = new NodeAdmission(settings.kubernetes(), settings.podCidrMode());
        this.ring = new RingRole(ipam, settings, durability, peers, fx, nowMs);
        this.pods = new PodRequests(ipam, durability, ring, this::podsChanged);
        this.records = new NodeRecordBuilder(self, settings);
        this.memberLog = new MemberLog(settings.gossipPort());
        ipam.setLivenessView(p -> p.equals(self.id()) || peers.isAlive(p));
        ring.start();
        afterEvent();
    }

    // ---- gossip ------------------------------------------------------------------------------------------

    public void onMember(MemberView m) {
        if (admission.check(m, nowMs) != NodeAdmission.Verdict.ADMIT) {
            afterEvent();
            return;
        }
        boolean known = peers.get(m.id()).isPresent();
        MemberState before = peers.get(m.id()).map(p -> p.member().state()).orElse(null);
        long incBefore = peers.get(m.id())
                .flatMap(PeerTable.Peer::record)
                .map(r -> r.record().getIncarnation())
                .orElse(-1L);
        PeerTable.Change c = peers.update(m);
        long incAfter = peers.get(m.id())
                .flatMap(PeerTable.Peer::record)
                .map(r -> r.record().getIncarnation())
                .orElse(-1L);
        if (c == PeerTable.Change.STATE || incBefore != incAfter)
            fx.forgetPathHealth(m.id()); // probes of a restarted agent say nothing
        if (c != PeerTable.Change.NONE) viewDirty = true;
        if (c == PeerTable.Change.STATE)
            memberLog.stateChanged(m, before, known, peers.get(m.id()).orElseThrow(), nowMs);
        if (c == PeerTable.Change.RECORD)
            memberLog.recordChanged(peers.get(m.id()).orElseThrow());
        afterEvent();
    }

    /** Kubernetes: the Nodes that carry a peer id, by that id (every Node, after each change). */
    public void onNodes(Map<PeerId, NodeFacts> byPeer) {
        for (MemberView m : admission.onNodes(byPeer)) onMember(m);
        afterEvent();
    }

    public void onRingState(PeerId from, byte[] state) {
        if (ring.onState(from, state)) viewDirty = true;
        afterEvent();
    }

    public void onRingDelta(PeerId from, byte[] delta) {
        if (ring.onDelta(from, delta)) viewDirty = true;
        afterEvent();
    }

    /**
     * Kubernetes: the tombstones whose reclaim Lease should be read now (each asked once until answered). The
     * Kubernetes role polls this on the controller's thread, reads the Leases elsewhere and answers with
     * {@link #onReclaimLease}.
     */
    public List<dev.weft.ipam.ring.Tombstone> reclaimLeasesWanted() {
        return ring.leaseChecksWanted();
    }

    /** Kubernetes: what the reclaim Lease of {@code t}'s removed peer says about {@code t}. */
    public void onReclaimLease(dev.weft.ipam.ring.Tombstone t, ReclaimLeaseAnswer answer) {
        if (ring.onLeaseAnswer(t, answer)) viewDirty = true;
        afterEvent();
    }

    public void onMessage(PeerId from, String topic, byte[] payload) {
        if (ring.onMessage(from, topic, payload, nowMs)) viewDirty = true;
        afterEvent();
    }

    // ---- CNI ---------------------------------------------------------------------------------------------

    public void onAllocate(AttachmentKey key, Reply<AllocationResult> reply) {
        pods.allocate(key, nowMs, removedOrNull(), reply);
        afterEvent();
    }

    public void onRelease(AttachmentKey key, Reply<Boolean> reply) {
        pods.release(key, reply);
        afterEvent();
    }

    public void onLookup(AttachmentKey key, Reply<Optional<IpAddress>> reply) {
        reply.ok(ipam.lookup(key.containerId(), key.ifName()));
    }

    public void onAttachments(Reply<List<AttachmentKey>> reply) {
        reply.ok(List.copyOf(ipam.allocations().keySet()));
    }

    /** The pod's veth exists: answer once the reconciler has put its host route in the kernel. */
    public void onPodPlumbed(AttachmentKey key, Reply<Void> reply) {
        pods.awaitRoute(key, applySeq + 1, reply);
        viewDirty = true;
        afterEvent();
    }

    private void podsChanged() {
        viewDirty = true;
    }

    private String removedOrNull() {
        return ring.removed() ? "this node was removed from the cluster and is restarting with a new identity" : null;
    }

    // ---- disk and kernel reports -------------------------------------------------------------------------

    public void onPersisted(long seq) {
        durability.onWritten(seq);
        afterEvent();
    }

    public void onPersistFailed(long seq, String error) {
        if (durability.error() == null) {
            log.atError()
                    .log("IPAM state could not be saved: " + error + "; answers that depend on it are refused until a "
                            + "write succeeds. Is the state directory writable and the disk not full?");
        }
        durability.onFailed(seq, error);
        afterEvent();
    }

    /** The kernel work for apply {@code seq} finished ({@code desired} is what was wanted, incl. sleeve choices). */
    public void onDatapathApplied(long seq, DesiredState desired, ReconcileResult r) {
        applyInFlight = false;
        if (lastDesired == null || !desired.problems().equals(lastDesired.problems())) {
            for (String p : desired.problems()) log.atWarn().log("datapath: " + p);
        }
        lastDesired = desired;
        lastReconcile = r;
        int repaired =
                r.repaired().values().stream().mapToInt(Integer::intValue).sum();
        if (repaired > 0) {
            log.atWarn()
                    .addKeyValue("repaired", r.repaired())
                    .log("datapath entries were missing or changed outside Weft and have been "
                            + "restored; if this repeats, another tool is managing the same routes/device");
        }
        if (r.errors().isEmpty()) {
            datapathProgrammed = true;
            datapathError = null;
        } else {
            String err = String.join("; ", r.errors());
            if (!err.equals(datapathError)) log.atError().log("datapath could not be fully programmed: " + err);
            datapathError = err;
        }
        pods.onApplied(seq, r.errors());
        afterEvent();
    }

    /** Netlink reported a change to something Weft owns, or the sleeve moved a peer: apply again. */
    public void onKernelChanged() {
        viewDirty = true;
        afterEvent();
    }

    // ---- time and operator actions -----------------------------------------------------------------------

    public void onTick(long now) {
        nowMs = now;
        if (ring.onTick(now)) viewDirty = true;
        memberLog.onTick(now);
        if (!ring.removed()) spaceWatch.observe(space(ipam.status()));
        if (now - lastApplyMs >= REAPPLY_EVERY_MS) viewDirty = true;
        if (!ring.removed()) durability.flush(fx, true);
        afterEvent();
    }

    /** {@code weft rmpeer}: refuses while the peer is alive or suspect. Answers with a message for the operator. */
    public void onRmpeer(String idOrNickname, Reply<String> reply) {
        try {
            PeerId target = Operator.rmpeerTarget(peers, idOrNickname, self.id());
            List<IpRange> taken = ring.reclaim(target);
            log.atWarn()
                    .addKeyValue("peer", target)
                    .addKeyValue("range", taken)
                    .log("operator reclaimed the ranges of a removed peer");
            String msg = "reclaimed " + taken.size() + " range(s) of peer " + target + " (" + peers.nickname(target)
                    + "): " + taken;
            durability.afterWrite(() -> reply.ok(msg), err -> reply.fail(new Reply.Failure.Disk(err)));
            viewDirty = true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            reply.fail(new Reply.Failure.Refused(e.getMessage()));
        } catch (IOException e) {
            reply.fail(new Reply.Failure.Disk(e.getMessage()));
        }
        afterEvent();
    }

    /** Kubernetes reclaim: the caller holds the API server's reclaim lock for this peer. Answers the ranges taken. */
    public void onReclaimDead(PeerId target, Reply<List<String>> reply) {
        try {
            if (peers.isAlive(target))
                throw new IllegalStateException("peer " + target + " is alive again; not reclaiming");
            if (target.equals(self.id())) throw new IllegalStateException("refusing to reclaim this node's own ranges");
            List<IpRange> taken = ring.reclaim(target);
            log.atWarn()
                    .addKeyValue("peer", target)
                    .addKeyValue("range", taken)
                    .log("reclaimed the ranges of a peer whose Kubernetes Node was deleted and that is dead in gossip");
            // CIDR text: the reclaim Lease records them comma-separated (an IpRange prints as "[a, b)")
            List<String> names = taken.stream()
                    .flatMap(t -> t.toCidrs().stream())
                    .map(Object::toString)
                    .toList();
            durability.afterWrite(() -> reply.ok(names), err -> reply.fail(new Reply.Failure.Disk(err)));
            viewDirty = true;
        } catch (IllegalStateException e) {
            reply.fail(new Reply.Failure.Refused(e.getMessage()));
        } catch (IOException e) {
            reply.fail(new Reply.Failure.Disk(e.getMessage()));
        }
        afterEvent();
    }

    // ---- after every event -------------------------------------------------------------------------------

    private void afterEvent() {
        if (ring.removed()) return; // nothing more is written: the runtime deletes the state and restarts
        durability.flush(fx, false);
        List<Cidr> own = settings.podCidrMode() ? ipam.ownedCidrs() : List.of();
        records.nextIfChanged(ipam.gateway(), ipam.localFree(), own, problems().isEmpty())
                .ifPresent(fx::publishRecord);
        if (viewDirty && !applyInFlight) {
            viewDirty = false;
            applyInFlight = true;
            lastApplyMs = nowMs;
            applySeq++;
            ClusterView view = view();
            Set<String> live = new HashSet<>();
            for (PeerTable.Peer p : peers.all()) if (p.alive()) live.add(p.id().toString());
            fx.applyDatapath(new DatapathRequest(
                    applySeq,
                    view,
                    !viewSettled(),
                    List.of(ipam.config().ring().range()),
                    live,
                    ClusterViews.sleeveTargets(peers.all(), view)));
        }
    }

    ClusterView view() {
        Map<PeerId, List<Cidr>> cidrs = settings.podCidrMode()
                ? ClusterViews.podCidrsFromRecords(self.id(), ipam.ownedCidrs(), peers.all(), settings.clusterRange())
                : ipam.cidrsByOwner();
        return ClusterViews.build(self, ipam.gateway(), peers.all(), cidrs, ipam.allocations());
    }

    /**
     * True once this agent's view of the cluster is complete enough to remove kernel entries: it has merged a peer's
     * ring and knows the record of every live peer, or no peer answered a few seconds after start, or 15 s passed.
     * Until then a restarted agent only adds entries, so it never cuts the routes of running pods to peers it has
     * not heard from yet.
     */
    private boolean viewSettled() {
        if (viewSettled) return true;
        boolean recordsKnown = peers.all().stream()
                .filter(PeerTable.Peer::alive)
                .allMatch(p -> p.record().isPresent());
        boolean anyAlive = peers.anyAlive();
        long age = nowMs - startedMs;
        viewSettled = (ring.heardRing() || settings.podCidrMode()) && anyAlive && recordsKnown
                || !anyAlive && age >= RingRole.ALONE_AFTER_MS
                || age >= SETTLE_AT_MOST_MS;
        return viewSettled;
    }

    /** Empty when ready: this node owns space, its state is saved and its datapath is programmed. */
    public List<String> problems() {
        return Readiness.problems(
                ring.removed(), ipam, settings, ring.error(), durability.error(), datapathProgrammed, datapathError);
    }

    /** An immutable picture of the controller for readiness, reports and metrics (read from other threads). */
    public ControllerSnapshot snapshot() {
        var status = ipam.status();
        return new ControllerSnapshot(
                self,
                problems(),
                peers.copy(),
                status,
                ipam.counters(),
                Optional.ofNullable(lastDesired),
                Optional.ofNullable(lastReconcile),
                durability.writes(),
                durability.failures(),
                ring.refusedRings(),
                refusedByReason(),
                space(status));
    }

    /** Ring and IPAM message refusals and (Kubernetes) member admission refusals, by reason. */
    private Map<String, Long> refusedByReason() {
        Map<String, Long> all = new java.util.TreeMap<>(ring.refused());
        admission.refused().forEach((k, v) -> all.merge(k, v, Long::sum));
        return all;
    }

    /** How full the cluster range is and what that means for this node, now. */
    public SpaceOutlook spaceOutlook() {
        return space(ipam.status());
    }

    /** The cluster range's fill and what it means for this node (NO_RING in podCIDR mode: no shared ring). */
    private SpaceOutlook space(dev.weft.ipam.IpamStatus status) {
        if (settings.podCidrMode()) return SpaceOutlook.none(status);
        return SpaceOutlook.assess(status, peers::isAlive, peers::nickname, self.nickname());
    }

    public IpamNode ipam() {
        return ipam;
    }
}
