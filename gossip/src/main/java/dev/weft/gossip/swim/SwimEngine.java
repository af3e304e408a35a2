package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.Ack;
import dev.weft.gossip.wire.proto.ChannelPush;
import dev.weft.gossip.wire.proto.Direct;
import dev.weft.gossip.wire.proto.Done;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.Ping;
import dev.weft.gossip.wire.proto.PingReq;
import dev.weft.gossip.wire.proto.PushPull;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * SWIM membership, failure detection and dissemination for one member, as a single-threaded state machine.
 * Fed with {@link #onPacket}, {@link #onStreamRequest}, {@link #onTick} and the stream replies it asked for,
 * always with the current monotonic time; it acts only through {@link SwimOutput}. No threads, no clocks, no I/O.
 *
 * <p>Rules (SWIM with memberlist's refinements): each probe interval one member is pinged in randomised
 * round-robin order; without an ack within the probe timeout, {@code indirectChecks} others are asked to ping it;
 * without any ack by the end of the interval it is suspected. A suspicion times out (Lifeguard: from a maximum,
 * shrinking with independent confirmations towards a minimum that grows with log N) into DEAD unless the member
 * refutes it by raising its incarnation. An ALIVE update wins only with a higher incarnation than we know, so
 * tombstones (DEAD/LEFT, kept for {@code tombstoneTtl}) stop stale gossip from resurrecting a member. Updates
 * are piggybacked on every datagram and sent in gossip rounds to {@code gossipFanout} members, each at most
 * mult*ceil(log10(N+1)) times. A periodic push-pull over a stream with one random member exchanges full state;
 * a joiner does one with each seed at once.
 */
public final class SwimEngine {
    private final String selfId;
    private final InetSocketAddress selfAddress;
    private final SwimSettings cfg;
    private final Random random;
    private final SwimOutput out;
    private final WireCounters counters;

    private long incarnation;
    private ByteString record = ByteString.EMPTY;
    private boolean leaving;

    private final Map<String, Member> members = new HashMap<>();
    private final Set<String> suspects = new LinkedHashSet<>();
    /** Members declared DEAD recently (gossip-to-the-dead targets). */
    private final Set<String> recentDead = new LinkedHashSet<>();
    /** How long (in probe intervals) we keep gossiping to a member after declaring it dead. */
    static final int GOSSIP_TO_DEAD_PROBE_INTERVALS = 30;
    private final BroadcastQueue queue = new BroadcastQueue();
    private final ChannelReplicator channels;
    private final Set<InetSocketAddress> senderRepairs = new LinkedHashSet<>();
    private long lastSenderRepairAt = Long.MIN_VALUE / 4; // far past, without overflow in now - it
    /** XOR of idHash over the live members and us: equal views give equal hashes (see ViewHash). */
    private long viewHash;
    private long viewMismatchSince = NONE;
    private long lastViewRepairAt = Long.MIN_VALUE / 4;
    private long viewRepairs;
    private static final long NONE = Long.MIN_VALUE;
    /** A view that differs from a peer's for this many probe intervals is repaired by a push-pull... */
    static final int VIEW_REPAIR_DELAY_PROBES = 5;
    /** ...at most once per this many probe intervals. */
    static final int VIEW_REPAIR_INTERVAL_PROBES = 10;

    private final List<String> probeOrder = new ArrayList<>();
    private int probeIndex;
    private long nextSeq = 1;
    private Probe probe;
    private final Map<Long, Relay> relays = new HashMap<>();

    private long nextProbeAt;
    private long nextGossipAt;
    private long nextPushPullAt;
    private long nextReapAt;
    private boolean started;
    private int live; // members (other than us) in ALIVE or SUSPECT

    private static final class Probe {
        final Member target;
        final long seq;
        final long sentAt;
        boolean indirectSent;
        boolean acked;

        Probe(Member target, long seq, long sentAt) {
            this.target = target;
            this.seq = seq;
            this.sentAt = sentAt;
        }
    }

    private record Relay(InetSocketAddress requester, long requesterSeq, long deadline) {
    }

    public SwimEngine(String selfId, InetSocketAddress selfAddress, long incarnation, SwimSettings settings,
                      Random random, SwimOutput out, WireCounters counters) {
        if (selfId == null || selfId.isEmpty() || selfId.length() > 128) {
            throw new IllegalArgumentException("member id must be 1-128 characters, got '" + selfId + "'");
        }
        if (incarnation < 0) {
            throw new IllegalArgumentException("incarnation must be >= 0");
        }
        this.selfId = selfId;
        this.selfAddress = selfAddress;
        this.incarnation = incarnation;
        this.cfg = settings;
        this.random = random;
        this.out = out;
        this.counters = counters;
        this.viewHash = ViewHash.of(selfId);
        this.channels = new ChannelReplicator(selfId, settings.gossipFanout(), out, counters, k -> {
            List<InetSocketAddress> l = new ArrayList<>(k);
            for (Member m : randomLiveMembers(k, null)) {
                l.add(m.address);
            }
            return l;
        });
    }

    // ------------------------------------------------------------------ local API

    /** Starts the timers (first probe after a random fraction of the interval, so members spread out). */
    public void start(long now) {
        started = true;
        nextProbeAt = now + (long) (random.nextDouble() * nanos(cfg.probeInterval()));
        nextGossipAt = now + (long) (random.nextDouble() * nanos(cfg.gossipInterval()));
        nextPushPullAt = now + pushPullDelay();
        nextReapAt = now + nanos(cfg.probeInterval());
    }

    /** Push-pull (join=true) with each seed; {@code done} gets the number of seeds that answered. */
    public void join(List<InetSocketAddress> seeds, Consumer<Integer> done) {
        if (seeds.isEmpty()) {
            done.accept(0);
            return;
        }
        int[] answered = {0, 0};
        for (InetSocketAddress seed : seeds) {
            out.exchange(seed, packet().setPushPull(localState(true)).build(), (reply, t) -> {
                if (reply != null && reply.hasPushPull()) {
                    mergeState(reply.getSenderId(), reply.getPushPull(), t);
                    answered[0]++;
                }
                if (++answered[1] == seeds.size()) {
                    done.accept(answered[0]);
                }
            });
        }
    }

    /** Publishes a new record for this member (bumps our incarnation so the ALIVE update wins everywhere). */
    public void setRecord(byte[] newRecord) {
        if (newRecord.length > cfg.maxRecordBytes()) {
            throw new IllegalArgumentException("record of " + newRecord.length + " bytes exceeds maxRecordBytes="
                    + cfg.maxRecordBytes());
        }
        record = ByteString.copyFrom(newRecord);
        incarnation++;
        queue.enqueue(selfAlive());
    }

    /** Announces a graceful leave; see {@link #leaveAnnounced()}. Probing stops. */
    public void leave() {
        leaving = true;
        queue.enqueue(MemberUpdate.newBuilder().setStatus(MemberStatus.LEFT).setMemberId(selfId)
                .setIncarnation(incarnation).setFromId(selfId).build());
    }

    /** True once our LEFT update has been sent at least {@code times} times (or could not be: no live peers). */
    public boolean leaveAnnounced(int times) {
        int t = queue.transmits(selfId);
        return leaving && (t < 0 || t >= times || liveCount() == 0);
    }

    public void registerChannel(String name, CrdtChannel channel) {
        channels.register(name, channel);
    }

    /** The agent changed a channel's local state: push it to a few members at the next gossip round. */
    public void channelUpdated(String name) {
        channels.updated(name);
    }

    /**
     * Sends a point-to-point message over a stream; {@code done} gets true if the member accepted it, false if it
     * is unknown, not live, refused it, or could not be reached in time.
     */
    public void sendMessage(String memberId, String topic, byte[] payload, Consumer<Boolean> done) {
        Member m = members.get(memberId);
        if (m == null || !m.state.isLive() || m.address == null) {
            done.accept(false);
            return;
        }
        Packet req = packet().setDirect(Direct.newBuilder().setToId(memberId).setTopic(topic)
                .setPayload(ByteString.copyFrom(payload))).build();
        out.exchange(m.address, req, (reply, t) -> done.accept(reply != null && reply.hasDone() && reply.getDone().getAccepted()));
    }

    // ------------------------------------------------------------------ events

    /** A datagram arrived (already authenticated and parsed). */
    public void onPacket(InetSocketAddress from, Packet p, long now) {
        if (p.getSenderId().equals(selfId)) {
            counters.drop(DropReason.MISDIRECTED);
            return;
        }
        boolean known = heard(p.getSenderId(), now);
        for (MemberUpdate u : p.getGossipList()) {
            apply(u, now);
        }
        if (!known) {
            repairUnknownSender(from, now); // unknown, or a tombstone that talks: our views differ
        }
        switch (p.getBodyCase()) {
            case PING -> {
                onPing(from, p.getPing());
                channels.compareDigests(from, p.getPing().getDigestsList());
                compareView(from, p.getPing().getViewHash(), now);
            }
            case ACK -> {
                onAck(p.getAck(), now);
                channels.compareDigests(from, p.getAck().getDigestsList());
                compareView(from, p.getAck().getViewHash(), now);
            }
            case PING_REQ -> onPingReq(from, p.getPingReq(), now);
            case BODY_NOT_SET -> {
                // gossip only
            }
            default -> counters.drop(DropReason.UNEXPECTED);
        }
    }

    /** A stream request arrived; returns the reply to write back. */
    public Packet onStreamRequest(InetSocketAddress from, Packet p, long now) {
        heard(p.getSenderId(), now);
        for (MemberUpdate u : p.getGossipList()) {
            apply(u, now);
        }
        switch (p.getBodyCase()) {
            case PUSH_PULL -> {
                PushPull reply = localState(false);
                mergeState(p.getSenderId(), p.getPushPull(), now);
                return packet().setPushPull(reply).build();
            }
            case CHANNEL_PUSH -> {
                ChannelPush reply = channels.onPush(p.getChannelPush().getChannel());
                return reply == null ? done(false, "unknown channel " + p.getChannelPush().getChannel().getName())
                        : packet().setChannelPush(reply).build();
            }
            case PING -> {
                if (!p.getPing().getTargetId().equals(selfId)) {
                    counters.drop(DropReason.MISDIRECTED);
                    return done(false, "not " + p.getPing().getTargetId());
                }
                return packet().setAck(Ack.newBuilder().setSeq(p.getPing().getSeq())).build();
            }
            case DIRECT -> {
                Direct d = p.getDirect();
                if (!d.getToId().equals(selfId)) {
                    counters.drop(DropReason.MISDIRECTED);
                    return done(false, "not " + d.getToId());
                }
                out.messageReceived(p.getSenderId(), d.getTopic(), d.getPayload().toByteArray());
                return done(true, "");
            }
            default -> {
                counters.drop(DropReason.UNEXPECTED);
                return done(false, "unexpected " + p.getBodyCase());
            }
        }
    }

    public void onTick(long now) {
        if (!started) {
            return;
        }
        if (probe != null) {
            if (!probe.acked && !probe.indirectSent && now - probe.sentAt >= nanos(cfg.probeTimeout())) {
                sendIndirect(probe, now);
            }
            if (now - probe.sentAt >= nanos(cfg.probeInterval()) || probe.acked) {
                if (!probe.acked && !leaving) {
                    Member t = probe.target;
                    if (t.state == MemberState.ALIVE) {
                        suspect(t, t.incarnation, selfId, now);
                    } else if (t.state == MemberState.SUSPECT && t.suspicion.confirm(selfId)) {
                        queue.enqueue(update(t, MemberStatus.SUSPECT, selfId)); // our own failed probe confirms
                    }
                }
                probe = null;
            }
        }
        if (now >= nextProbeAt) {
            nextProbeAt = now + nanos(cfg.probeInterval());
            if (!leaving) {
                startProbe(now);
            }
        }
        if (!suspects.isEmpty()) {
            for (Iterator<String> it = suspects.iterator(); it.hasNext(); ) {
                Member m = members.get(it.next());
                if (m == null || m.state != MemberState.SUSPECT) {
                    it.remove();
                } else if (now >= m.suspicion.deadlineNanos()) {
                    it.remove();
                    declare(m, MemberState.DEAD, m.incarnation, now);
                    queue.enqueue(update(m, MemberStatus.DEAD, selfId));
                }
            }
        }
        if (now >= nextGossipAt) {
            nextGossipAt = now + nanos(cfg.gossipInterval());
            gossipRound(now);
        }
        if (now >= nextPushPullAt) {
            nextPushPullAt = now + pushPullDelay();
            Member m = randomLive(null);
            if (m != null && !leaving) {
                out.exchange(m.address, packet().setPushPull(localState(false)).build(), (reply, t) -> {
                    if (reply != null && reply.hasPushPull()) {
                        mergeState(reply.getSenderId(), reply.getPushPull(), t);
                    }
                });
            }
        }
        if (now >= nextReapAt) {
            nextReapAt = now + nanos(cfg.probeInterval());
            reap(now);
        }
    }

    // ------------------------------------------------------------------ probing

    private void startProbe(long now) {
        Member target = nextProbeTarget();
        if (target == null) {
            return;
        }
        long seq = nextSeq++;
        probe = new Probe(target, seq, now);
        sendWithGossip(target.address, packet().setPing(Ping.newBuilder().setSeq(seq).setTargetId(target.id)
                .addAllDigests(channels.digests()).setViewHash(viewHash)));
    }

    private Member nextProbeTarget() {
        for (int attempts = 0; attempts < 2; attempts++) {
            while (probeIndex < probeOrder.size()) {
                Member m = members.get(probeOrder.get(probeIndex++));
                if (m != null && m.state.isLive() && m.address != null) {
                    return m;
                }
            }
            probeOrder.clear();
            for (Member m : members.values()) {
                if (m.state.isLive() && m.address != null) {
                    probeOrder.add(m.id);
                }
            }
            Collections.shuffle(probeOrder, random);
            probeIndex = 0;
        }
        return null;
    }

    private void sendIndirect(Probe pr, long now) {
        pr.indirectSent = true;
        // Stream fallback (as memberlist does): survives UDP loss; a hung member fails it by timeout.
        out.exchange(pr.target.address, packet().setPing(Ping.newBuilder().setSeq(pr.seq)
                .setTargetId(pr.target.id)).build(), (reply, t) -> {
            if (reply != null && reply.hasAck() && probe == pr && reply.getAck().getSeq() == pr.seq) {
                pr.acked = true;
            }
        });
        List<Member> helpers = randomLiveMembers(cfg.indirectChecks(), pr.target.id);
        for (Member h : helpers) {
            sendWithGossip(h.address, packet().setPingReq(PingReq.newBuilder().setSeq(pr.seq)
                    .setTargetId(pr.target.id).setTarget(Endpoints.toWire(pr.target.address))));
        }
    }

    private void onPing(InetSocketAddress from, Ping ping) {
        if (!ping.getTargetId().equals(selfId)) {
            counters.drop(DropReason.MISDIRECTED);
            return;
        }
        sendWithGossip(from, packet().setAck(Ack.newBuilder().setSeq(ping.getSeq()).addAllDigests(channels.digests())
                .setViewHash(viewHash)));
    }

    private void onAck(Ack ack, long now) {
        if (probe != null && probe.seq == ack.getSeq()) {
            probe.acked = true;
            return;
        }
        Relay r = relays.remove(ack.getSeq());
        if (r != null && now <= r.deadline()) {
            sendWithGossip(r.requester(), packet().setAck(Ack.newBuilder().setSeq(r.requesterSeq())));
        }
    }

    private void onPingReq(InetSocketAddress from, PingReq req, long now) {
        InetSocketAddress target = Endpoints.fromWire(req.getTarget());
        if (target == null || req.getTargetId().isEmpty()) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        long seq = nextSeq++;
        relays.put(seq, new Relay(from, req.getSeq(), now + nanos(cfg.probeInterval())));
        sendWithGossip(target, packet().setPing(Ping.newBuilder().setSeq(seq).setTargetId(req.getTargetId())));
    }

    // ------------------------------------------------------------------ membership rules

    private void apply(MemberUpdate u, long now) {
        if (u.getMemberId().isEmpty() || u.getMemberId().length() > 128 || u.getRecord().size() > cfg.maxRecordBytes()) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        switch (u.getStatus()) {
            case ALIVE -> applyAlive(u, now);
            case SUSPECT -> applySuspect(u.getMemberId(), u.getIncarnation(), u.getFromId(), now);
            case DEAD -> applyDead(u, MemberState.DEAD, now);
            case LEFT -> applyDead(u, MemberState.LEFT, now);
            default -> counters.drop(DropReason.MALFORMED);
        }
    }

    private void applyAlive(MemberUpdate u, long now) {
        String id = u.getMemberId();
        if (id.equals(selfId)) {
            boolean differs = !u.getRecord().equals(record) || u.getIncarnation() > incarnation;
            if (u.getIncarnation() >= incarnation && differs) {
                refute(u.getIncarnation());
            }
            return;
        }
        InetSocketAddress addr = Endpoints.fromWire(u.getAddress());
        if (addr == null) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        Member m = members.get(id);
        if (m == null) {
            m = new Member(id, addr, MemberState.ALIVE, u.getIncarnation(), now);
            m.record = u.getRecord();
            members.put(id, m);
            live++;
            viewHash ^= ViewHash.of(id);
            addToProbeOrder(id);
            queue.enqueue(u);
            out.memberChanged(m.view(), null);
            return;
        }
        if (u.getIncarnation() <= m.incarnation) {
            return;
        }
        MemberState prev = m.state;
        boolean recordChanged = !m.record.equals(u.getRecord());
        m.incarnation = u.getIncarnation();
        m.address = addr;
        m.record = u.getRecord();
        m.suspicion = null;
        queue.enqueue(u);
        if (prev != MemberState.ALIVE) {
            m.state = MemberState.ALIVE;
            m.stateSinceNanos = now;
            if (!prev.isLive()) {
                live++;
                viewHash ^= ViewHash.of(id);
                addToProbeOrder(id);
            }
            out.memberChanged(m.view(), prev);
        } else if (recordChanged) {
            out.recordChanged(m.view());
        }
    }

    private void applySuspect(String id, long inc, String from, long now) {
        if (id.equals(selfId)) {
            if (inc >= incarnation && !leaving) {
                refute(inc);
            }
            return;
        }
        Member m = members.get(id);
        if (m == null || !m.state.isLive()) {
            return;
        }
        if (inc < m.incarnation) {
            correctStale(m);
            return;
        }
        if (m.state == MemberState.SUSPECT && inc == m.incarnation) {
            if (m.suspicion.confirm(from)) {
                queue.enqueue(update(m, MemberStatus.SUSPECT, from));
            }
            return;
        }
        suspect(m, inc, from, now);
    }

    private void suspect(Member m, long inc, String from, long now) {
        MemberState prev = m.state;
        m.incarnation = inc;
        m.state = MemberState.SUSPECT;
        m.stateSinceNanos = now;
        int n = liveCount() + 1;
        long min = Timing.suspicionMinNanos(cfg.suspicionMult(), n, nanos(cfg.probeInterval()));
        long max = min * cfg.suspicionMaxMult();
        m.suspicion = new Suspicion(from, now, Timing.expectedConfirmations(cfg.indirectChecks(), n), min, max);
        suspects.add(m.id);
        queue.enqueue(update(m, MemberStatus.SUSPECT, from));
        if (prev != MemberState.SUSPECT) {
            out.memberChanged(m.view(), prev);
        }
    }

    private void applyDead(MemberUpdate u, MemberState state, long now) {
        String id = u.getMemberId();
        if (id.equals(selfId)) {
            if (!leaving && u.getIncarnation() >= incarnation) {
                refute(u.getIncarnation());
            }
            return;
        }
        Member m = members.get(id);
        if (m == null) {
            m = new Member(id, null, state, u.getIncarnation(), now); // tombstone: blocks stale ALIVE gossip
            members.put(id, m);
            return;
        }
        if (!m.state.isLive()) {
            return;
        }
        if (u.getIncarnation() < m.incarnation) {
            correctStale(m);
            return;
        }
        declare(m, state, u.getIncarnation(), now);
        queue.enqueue(u);
    }

    private void declare(Member m, MemberState state, long inc, long now) {
        MemberState prev = m.state;
        if (prev.isLive()) {
            live--;
            viewHash ^= ViewHash.of(m.id);
        }
        m.state = state;
        m.incarnation = inc;
        m.stateSinceNanos = now;
        m.suspicion = null;
        suspects.remove(m.id);
        if (state == MemberState.DEAD) {
            recentDead.add(m.id);
        }
        out.memberChanged(m.view(), prev);
    }

    /**
     * Someone spreads an accusation against an older incarnation of a member we know is ALIVE at a newer one:
     * pass our newer knowledge on, so the stale accusation is answered along the paths it travels (otherwise a
     * member that missed the refutation could time the stale suspicion out into a false DEAD).
     */
    private void correctStale(Member m) {
        if (m.state == MemberState.ALIVE && m.address != null && queue.transmits(m.id) < 0) {
            queue.enqueue(MemberUpdate.newBuilder().setStatus(MemberStatus.ALIVE).setMemberId(m.id)
                    .setIncarnation(m.incarnation).setAddress(Endpoints.toWire(m.address)).setRecord(m.record).build());
        }
    }

    private void refute(long accusedIncarnation) {
        incarnation = Math.max(incarnation, accusedIncarnation) + 1;
        queue.enqueue(selfAlive());
    }

    private void mergeState(String senderId, PushPull state, long now) {
        for (MemberUpdate u : state.getMembersList()) {
            if (u.getMemberId().isEmpty() || u.getMemberId().length() > 128
                    || u.getRecord().size() > cfg.maxRecordBytes()) {
                counters.drop(DropReason.MALFORMED);
                continue;
            }
            switch (u.getStatus()) {
                case ALIVE, LEFT -> apply(u, now);
                case SUSPECT -> applySuspect(u.getMemberId(), u.getIncarnation(), senderId, now);
                case DEAD -> {
                    // Like memberlist: a remote "dead" only makes us suspect a member we think live, so a
                    // partitioned side cannot kill members we can still reach; unknown ones become tombstones.
                    if (members.containsKey(u.getMemberId()) || u.getMemberId().equals(selfId)) {
                        applySuspect(u.getMemberId(), u.getIncarnation(), senderId, now);
                    } else {
                        apply(u, now);
                    }
                }
                default -> counters.drop(DropReason.MALFORMED);
            }
        }
        channels.mergeAll(state.getChannelsList());
    }

    // ------------------------------------------------------------------ dissemination

    private void gossipRound(long now) {
        channels.pushHot();
        // Gossip to one recently dead member too (as memberlist does): if it is in fact alive behind a healed
        // partition, it learns it was declared dead, and it and we repair our views (refutation + push-pull).
        Member dead = recentlyDead(now);
        if (dead != null && !leaving) {
            sendWithGossip(dead.address, packet());
        }
        if (queue.isEmpty()) {
            return;
        }
        for (Member m : randomLiveMembers(cfg.gossipFanout(), null)) {
            if (queue.isEmpty()) {
                break;
            }
            sendWithGossip(m.address, packet());
        }
    }

    private void sendWithGossip(InetSocketAddress to, Packet.Builder b) {
        // room for sent_at_millis (<= 11 bytes) which the sealer adds
        int budget = cfg.maxUdpPayload() - Envelope.OVERHEAD - b.build().getSerializedSize() - 11;
        int n = liveCount() + 1;
        for (MemberUpdate u : queue.take(budget, Timing.retransmitLimit(cfg.retransmitMult(), n))) {
            b.addGossip(u);
        }
        out.send(to, b.build());
    }

    private Packet.Builder packet() {
        return Packet.newBuilder().setSenderId(selfId);
    }

    private Packet done(boolean accepted, String reason) {
        return packet().setDone(Done.newBuilder().setAccepted(accepted).setReason(reason)).build();
    }

    private PushPull localState(boolean join) {
        PushPull.Builder b = PushPull.newBuilder().setJoin(join);
        b.addMembers(leaving
                ? MemberUpdate.newBuilder().setStatus(MemberStatus.LEFT).setMemberId(selfId)
                        .setIncarnation(incarnation).setFromId(selfId).build()
                : selfAlive());
        for (Member m : members.values()) {
            MemberStatus s = switch (m.state) {
                case ALIVE -> MemberStatus.ALIVE;
                case SUSPECT -> MemberStatus.SUSPECT;
                case DEAD -> MemberStatus.DEAD;
                case LEFT -> MemberStatus.LEFT;
            };
            MemberUpdate.Builder u = MemberUpdate.newBuilder().setStatus(s).setMemberId(m.id)
                    .setIncarnation(m.incarnation).setRecord(m.record).setFromId(selfId);
            if (m.address != null) {
                u.setAddress(Endpoints.toWire(m.address));
            }
            b.addMembers(u);
        }
        b.addAllChannels(channels.states());
        return b.build();
    }

    private MemberUpdate selfAlive() {
        return MemberUpdate.newBuilder().setStatus(MemberStatus.ALIVE).setMemberId(selfId)
                .setIncarnation(incarnation).setAddress(Endpoints.toWire(selfAddress)).setRecord(record).build();
    }

    private static MemberUpdate update(Member m, MemberStatus status, String from) {
        return MemberUpdate.newBuilder().setStatus(status).setMemberId(m.id).setIncarnation(m.incarnation)
                .setFromId(from).build();
    }

    // ------------------------------------------------------------------ helpers

    private boolean heard(String senderId, long now) {
        Member m = members.get(senderId);
        if (m != null) {
            m.lastHeardNanos = now;
            return m.state.isLive();
        }
        return false;
    }

    /**
     * A live member we do not know (or hold a tombstone for) talks to us: our views differ, which gossip alone
     * may take long to fix. Exchange full state with it (at most one such repair per probe interval).
     */
    private void repairUnknownSender(InetSocketAddress from, long now) {
        if (leaving || senderRepairs.contains(from) || now - lastSenderRepairAt < nanos(cfg.probeInterval())) {
            return;
        }
        lastSenderRepairAt = now;
        senderRepairs.add(from);
        out.exchange(from, packet().setPushPull(localState(false)).build(), (reply, t) -> {
            senderRepairs.remove(from);
            if (reply != null && reply.hasPushPull()) {
                mergeState(reply.getSenderId(), reply.getPushPull(), t);
            }
        });
    }

    /**
     * Membership anti-entropy: if our live set keeps differing from the peers' (and not just for the moment a
     * change takes to spread), exchange full state with one of them. Piggybacked gossip can, rarely, miss a
     * member (e.g. many joining at once); this repairs it within a few probe intervals instead of waiting for
     * the periodic push-pull. A peer whose own view is the odd one repairs itself the same way.
     */
    private void compareView(InetSocketAddress from, long theirs, long now) {
        if (theirs == 0 || leaving) {
            return;
        }
        if (theirs == viewHash) {
            viewMismatchSince = NONE;
            return;
        }
        long probe = nanos(cfg.probeInterval());
        if (viewMismatchSince == NONE) {
            viewMismatchSince = now;
        } else if (now - viewMismatchSince >= VIEW_REPAIR_DELAY_PROBES * probe
                && now - lastViewRepairAt >= VIEW_REPAIR_INTERVAL_PROBES * probe) {
            lastViewRepairAt = now;
            viewMismatchSince = NONE;
            viewRepairs++;
            out.exchange(from, packet().setPushPull(localState(false)).build(), (reply, t) -> {
                if (reply != null && reply.hasPushPull()) {
                    mergeState(reply.getSenderId(), reply.getPushPull(), t);
                }
            });
        }
    }

    private void addToProbeOrder(String id) {
        probeOrder.add(probeIndex + random.nextInt(probeOrder.size() - probeIndex + 1), id);
    }

    private void reap(long now) {
        long ttl = nanos(cfg.tombstoneTtl());
        if (members.size() == live && relays.isEmpty()) {
            return; // no tombstones, nothing pending
        }
        members.values().removeIf(m -> !m.state.isLive() && now - m.stateSinceNanos > ttl);
        relays.values().removeIf(r -> now > r.deadline());
    }

    private int liveCount() {
        return live;
    }

    private Member recentlyDead(long now) {
        long window = GOSSIP_TO_DEAD_PROBE_INTERVALS * nanos(cfg.probeInterval());
        List<Member> l = new ArrayList<>();
        for (String id : recentDead) {
            Member m = members.get(id);
            if (m != null && m.state == MemberState.DEAD && m.address != null && now - m.stateSinceNanos <= window) {
                l.add(m);
            }
        }
        recentDead.removeIf(id -> {
            Member m = members.get(id);
            return m == null || m.state != MemberState.DEAD || now - m.stateSinceNanos > window;
        });
        return l.isEmpty() ? null : l.get(random.nextInt(l.size()));
    }

    private Member randomLive(String exclude) {
        List<Member> l = randomLiveMembers(1, exclude);
        return l.isEmpty() ? null : l.get(0);
    }

    /** Up to k distinct random live members with an address, excluding {@code exclude}. */
    private List<Member> randomLiveMembers(int k, String exclude) {
        List<Member> pick = new ArrayList<>(k);
        if (members.isEmpty() || k <= 0) {
            return pick;
        }
        // probeOrder holds (nearly) all live ids; sampling from it avoids copying the table each time
        List<String> pool = probeOrder.isEmpty() ? new ArrayList<>(members.keySet()) : probeOrder;
        int tries = 0;
        while (pick.size() < k && tries++ < 4 * k + 8) {
            Member m = members.get(pool.get(random.nextInt(pool.size())));
            if (m != null && m.state.isLive() && m.address != null && !m.id.equals(exclude) && !pick.contains(m)) {
                pick.add(m);
            }
        }
        return pick;
    }

    private long pushPullDelay() {
        long base = Timing.pushPullIntervalNanos(nanos(cfg.pushPullInterval()), liveCount() + 1);
        return base / 2 + (long) (random.nextDouble() * base);
    }

    private static long nanos(java.time.Duration d) {
        return d.toNanos();
    }

    // ------------------------------------------------------------------ status

    public String selfId() {
        return selfId;
    }

    public long incarnation() {
        return incarnation;
    }

    public byte[] record() {
        return record.toByteArray();
    }

    public boolean isLeaving() {
        return leaving;
    }

    /** Snapshot of every known member other than us, tombstones included. */
    public List<MemberView> members() {
        List<MemberView> l = new ArrayList<>(members.size());
        for (Member m : members.values()) {
            l.add(m.view());
        }
        return l;
    }

    public MemberView member(String id) {
        Member m = members.get(id);
        return m == null ? null : m.view();
    }

    /** State of {@code id} as we see it, or null if unknown. */
    public MemberState stateOf(String id) {
        Member m = members.get(id);
        return m == null ? null : m.state;
    }

    public int liveMembers() {
        return liveCount();
    }

    /** Push-pulls started because our view kept differing from peers' (a health signal: ~0 when stable). */
    public long viewRepairs() {
        return viewRepairs;
    }

    /** Hash of our live view (for tests and status). */
    public long viewHash() {
        return viewHash;
    }

    public int pendingBroadcasts() {
        return queue.size();
    }
}
