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
    /** The primary family first; a dual-stack node's IPv6 family second. */
    private final List<FamilyIpam> families;

    private final Families all;

    private final FamilyIpam v6; // null unless dual-stack
    private final NodeRecordBuilder records;
    private final SpaceWatch spaceWatch = new SpaceWatch();
    private final PodCidrRefusals podCidrRefusals = new PodCidrRefusals();

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
        this(self, settings, ipam, store, null, null, fx, nowMs);
    }

    /**
     * A dual-stack controller when {@code ipamV6} is given: its IPv6 ring is opened on {@code storeV6}, persisted
     * through {@link Effects#persistV6} and gossiped through the {@code *V6} effects.
     */
    public AgentController(
            LocalNode self,
            ControllerSettings settings,
            IpamNode ipam,
            StagedStore store,
            IpamNode ipamV6,
            StagedStore storeV6,
            Effects fx,
            long nowMs) {
        this.self = self;
        this.settings = settings;
        this.ipam = ipam;
        this.fx = fx;
        this.startedMs = nowMs;
        this.nowMs = nowMs;
        FamilyIpam primary = FamilyIpam.primary(ipam, store, settings, peers, fx, nowMs, this::podsChanged);
        this.durability = primary.durability;
        this.ring = primary.ring;
        this.pods = primary.pods;
        this.v6 = ipamV6 == null ? null : FamilyIpam.v6(ipamV6, storeV6, settings, peers, fx, nowMs, this::podsChanged);
        this.all = new Families(primary, v6);
        this.families = all.all();
        this.admission = new NodeAdmission(settings.kubernetes(), settings.podCidrMode());
        this.records = new NodeRecordBuilder(self, settings);
        this.memberLog = new MemberLog(settings.gossipPort());
        for (FamilyIpam f : families) {
            f.ipam.setLivenessView(p -> p.equals(self.id()) || peers.isAlive(p));
            f.ring.start();
        }
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
        return all.leasesWanted();
    }

    /** Kubernetes: what the reclaim Lease of {@code t}'s removed peer says about {@code t}. */
    public void onReclaimLease(dev.weft.ipam.ring.Tombstone t, ReclaimLeaseAnswer answer) {
        if (all.onLeaseAnswer(t, answer)) viewDirty = true;
        afterEvent();
    }

    public void onMessage(PeerId from, String topic, byte[] payload) {
        FamilyIpam f = v6 != null && v6.ownTopic(topic) != null ? v6 : families.get(0);
        String own = f.ownTopic(topic);
        if (f.ring.onMessage(from, own == null ? topic : own, payload, nowMs)) viewDirty = true;
        afterEvent();
    }

    /** Dual stack: a peer's full IPv6 ring. */
    public void onRingStateV6(PeerId from, byte[] state) {
        if (v6 != null && v6.ring.onState(from, state)) viewDirty = true;
        afterEvent();
    }

    /** Dual stack: a peer's IPv6 ownership change. */
    public void onRingDeltaV6(PeerId from, byte[] delta) {
        if (v6 != null && v6.ring.onDelta(from, delta)) viewDirty = true;
        afterEvent();
    }

    // ---- CNI ---------------------------------------------------------------------------------------------

    public void onAllocate(AttachmentKey key, Reply<AllocationResult> reply) {
        pods.allocate(key, nowMs, removedOrNull(), reply);
        afterEvent();
    }

    /** Dual stack: the pod's IPv6 address (refused on a single-stack node). */
    public void onAllocateV6(AttachmentKey key, Reply<AllocationResult> reply) {
        if (v6 == null) reply.fail(new Reply.Failure.Refused("this node is not dual-stack"));
        else v6.pods.allocate(key, nowMs, removedOrNull(), reply);
        afterEvent();
    }

    /** Releases the attachment's address of every family; true when any was released. */
    public void onRelease(AttachmentKey key, Reply<Boolean> reply) {
        if (v6 == null) {
            pods.release(key, reply);
        } else {
            Replies.Both<Boolean> both = new Replies.Both<>(reply, (a, b) -> a || b);
            pods.release(key, both.first());
            v6.pods.release(key, both.second());
        }
        afterEvent();
    }

    public void onLookup(AttachmentKey key, Reply<Optional<IpAddress>> reply) {
        reply.ok(ipam.lookup(key.containerId(), key.ifName()));
    }

    /** Dual stack: the attachment's IPv6 address (empty on a single-stack node). */
    public void onLookupV6(AttachmentKey key, Reply<Optional<IpAddress>> reply) {
        reply.ok(v6 == null ? Optional.empty() : v6.ipam.lookup(key.containerId(), key.ifName()));
    }

    public void onAttachments(Reply<List<AttachmentKey>> reply) {
        Set<AttachmentKey> keys = new java.util.LinkedHashSet<>();
        for (FamilyIpam f : families) keys.addAll(f.ipam.allocations().keySet());
        reply.ok(List.copyOf(keys));
    }

    /** The pod's veth exists: answer once the reconciler has put its host route(s) in the kernel. */
    public void onPodPlumbed(AttachmentKey key, Reply<Void> reply) {
        if (v6 == null || v6.ipam.lookup(key.containerId(), key.ifName()).isEmpty()) {
            pods.awaitRoute(key, applySeq + 1, reply);
        } else {
            Replies.Both<Void> both = new Replies.Both<>(reply, (a, b) -> null);
            pods.awaitRoute(key, applySeq + 1, both.first());
            v6.pods.awaitRoute(key, applySeq + 1, both.second());
        }
        viewDirty = true;
        afterEvent();
    }

    private void podsChanged() {
        viewDirty = true;
    }

    private String removedOrNull() {
        return removed() ? "this node was removed from the cluster and is restarting with a new identity" : null;
    }

    // ---- disk and kernel reports -------------------------------------------------------------------------

    public void onPersisted(long seq) {
        durability.onWritten(seq);
        afterEvent();
    }

    public void onPersistFailed(long seq, String error) {
        persistFailed(families.get(0), seq, error);
    }

    /** Dual stack: the IPv6 ring's state was written. */
    public void onPersistedV6(long seq) {
        if (v6 != null) v6.durability.onWritten(seq);
        afterEvent();
    }

    /** Dual stack: the IPv6 ring's state could not be written. */
    public void onPersistFailedV6(long seq, String error) {
        if (v6 != null) persistFailed(v6, seq, error);
        else afterEvent();
    }

    private void persistFailed(FamilyIpam f, long seq, String error) {
        if (f.durability.error() == null) {
            log.atError()
                    .addKeyValue("family", f.name)
                    .log(f.name + " IPAM state could not be saved: " + error
                            + "; answers that depend on it are refused until a "
                            + "write succeeds. Is the state directory writable and the disk not full?");
        }
        f.durability.onFailed(seq, error);
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
        for (FamilyIpam f : families) f.pods.onApplied(seq, r.errors());
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
        for (FamilyIpam f : families) if (f.ring.onTick(now)) viewDirty = true;
        memberLog.onTick(now);
        if (!removed()) spaceWatch.observe(space(ipam.status()));
        if (now - lastApplyMs >= REAPPLY_EVERY_MS) viewDirty = true;
        if (!removed()) for (FamilyIpam f : families) f.flush(true);
        afterEvent();
    }

    /** {@code weft rmpeer}: refuses while the peer is alive or suspect. Answers with a message for the operator. */
    public void onRmpeer(String idOrNickname, Reply<String> reply) {
        try {
            PeerId target = Operator.rmpeerTarget(peers, idOrNickname, self.id());
            List<IpRange> taken = all.reclaimAll(target);
            log.atWarn()
                    .addKeyValue("peer", target)
                    .addKeyValue("range", taken)
                    .log("operator reclaimed the ranges of a removed peer");
            String msg = "reclaimed " + taken.size() + " range(s) of peer " + target + " (" + peers.nickname(target)
                    + "): " + taken;
            all.afterAllWritten(() -> reply.ok(msg), err -> reply.fail(new Reply.Failure.Disk(err)));
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
            List<IpRange> taken = all.reclaimAll(target);
            log.atWarn()
                    .addKeyValue("peer", target)
                    .addKeyValue("range", taken)
                    .log("reclaimed the ranges of a peer whose Kubernetes Node was deleted and that is dead in gossip");
            // CIDR text: the reclaim Lease records them comma-separated (an IpRange prints as "[a, b)")
            List<String> names = taken.stream()
                    .flatMap(t -> t.toCidrs().stream())
                    .map(Object::toString)
                    .toList();
            all.afterAllWritten(() -> reply.ok(names), err -> reply.fail(new Reply.Failure.Disk(err)));
            viewDirty = true;
        } catch (IllegalStateException e) {
            reply.fail(new Reply.Failure.Refused(e.getMessage()));
        } catch (IOException e) {
            reply.fail(new Reply.Failure.Disk(e.getMessage()));
        }
        afterEvent();
    }

    private boolean removed() {
        return all.removed();
    }

    // ---- after every event -------------------------------------------------------------------------------

    private void afterEvent() {
        if (removed()) return; // nothing more is written: the runtime deletes the state and restarts
        for (FamilyIpam f : families) f.flush(false);
        List<Cidr> own = new java.util.ArrayList<>();
        if (settings.podCidrMode()) for (FamilyIpam f : families) own.addAll(f.ipam.ownedCidrs());
        records.nextIfChanged(
                        ipam.gateway(),
                        ipam.localFree(),
                        v6 == null ? Optional.empty() : v6.ipam.gateway(),
                        v6 == null ? 0 : v6.ipam.localFree(),
                        own,
                        problems().isEmpty())
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
                    families.stream().map(f -> f.ipam.config().ring().range()).toList(),
                    live,
                    ClusterViews.sleeveTargets(peers.all(), view)));
        }
    }

    ClusterView view() {
        Map<PeerId, List<Cidr>> cidrs = new java.util.HashMap<>();
        List<Map<AttachmentKey, IpAddress>> allocations = new java.util.ArrayList<>();
        for (FamilyIpam f : families) {
            Map<PeerId, List<Cidr>> c = settings.podCidrMode()
                    ? ClusterViews.podCidrsFromRecords(
                            self.id(),
                            f.ipam.ownedCidrs(),
                            peers.all(),
                            f.ipam.config().ring().range().isIpv4() ? settings.clusterRange() : settings.v6Range(),
                            podCidrRefusals)
                    : f.ipam.cidrsByOwner();
            c.forEach((p, l) -> cidrs.merge(p, l, ClusterViews::concat));
            allocations.add(f.ipam.allocations());
        }
        return ClusterViews.build(
                self,
                ipam.gateway(),
                v6 == null ? Optional.empty() : v6.ipam.gateway(),
                peers.all(),
                cidrs,
                allocations);
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
        viewSettled = (families.stream().allMatch(f -> f.ring.heardRing()) || settings.podCidrMode())
                        && anyAlive
                        && recordsKnown
                || !anyAlive && age >= RingRole.ALONE_AFTER_MS
                || age >= SETTLE_AT_MOST_MS;
        return viewSettled;
    }

    /** Empty when ready: this node owns space, its state is saved and its datapath is programmed. */
    public List<String> problems() {
        List<String> p = new java.util.ArrayList<>(Readiness.problems(
                removed(), ipam, settings, ring.error(), durability.error(), datapathProgrammed, datapathError));
        if (v6 != null) {
            p.replaceAll(
                    s -> s.startsWith("datapath") || s.startsWith("this node was removed") ? s : "IPv4 ring: " + s);
            p.addAll(v6.problems(settings, true));
        }
        return p;
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
                space(status),
                v6 == null ? Optional.empty() : Optional.of(v6.ipam.status()),
                v6 == null ? Optional.empty() : Optional.of(v6.ipam.counters()));
    }

    /** Ring and IPAM message refusals (both families) and (Kubernetes) member admission refusals, by reason. */
    private Map<String, Long> refusedByReason() {
        Map<String, Long> sum = new java.util.TreeMap<>(all.refused());
        admission.refused().forEach((k, v) -> sum.merge(k, v, Long::sum));
        podCidrRefusals.counts().forEach((k, v) -> sum.merge(k, v, Long::sum));
        return sum;
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

    /** The IPv6 ring's IPAM of a dual-stack node. */
    public Optional<IpamNode> ipamV6() {
        return v6 == null ? Optional.empty() : Optional.of(v6.ipam);
    }
}
