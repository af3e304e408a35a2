package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.Ack;
import dev.weft.gossip.wire.proto.ChannelPush;
import dev.weft.gossip.wire.proto.Direct;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * SWIM membership, failure detection and dissemination for one member, as a single-threaded state machine.
 * Fed with {@link #onPacket}, {@link #onStreamRequest}, {@link #onTick} and the stream replies it asked for,
 * always with the current monotonic time; it acts only through {@link SwimOutput}. No threads, no clocks, no I/O.
 *
 * <p>Rules (SWIM with memberlist's refinements), one concern per class: {@link FailureDetector} (probes,
 * ping-req, suspicion timeouts), {@link MembershipRules} (incarnations, refutation, tombstones),
 * {@link Dissemination} (piggybacked updates and deltas, gossip rounds), {@link AntiEntropy} (push-pull: join,
 * periodic, repairs), {@link ChannelReplicator} (channel full state, lazy digest repair) and
 * {@link DeltaReplicator} (channel deltas). This class is the entry point: it parses ids at the edge, routes
 * events to those parts and answers status questions.
 */
public final class SwimEngine {
    private final EngineContext ctx;
    private final LocalMember self;
    private long nextReapAt;
    private boolean started;

    public SwimEngine(
            PeerId selfId,
            InetSocketAddress selfAddress,
            long incarnation,
            SwimSettings settings,
            Random random,
            SwimOutput out,
            WireCounters counters) {
        this(selfId, selfAddress, incarnation, settings, random, out, counters, legacyKeys(selfId));
    }

    /**
     * @param keys this member's identity key and the keys it knows; {@code keys.self()} must be {@code selfId}
     */
    public SwimEngine(
            PeerId selfId,
            InetSocketAddress selfAddress,
            long incarnation,
            SwimSettings settings,
            Random random,
            SwimOutput out,
            WireCounters counters,
            PeerKeys keys) {
        if (incarnation < 0) {
            throw new IllegalArgumentException("incarnation must be >= 0");
        }
        if (!keys.self().equals(selfId)) {
            throw new IllegalArgumentException("identity keys are for " + keys.self() + ", not " + selfId);
        }
        this.self = new LocalMember(selfId, selfAddress, incarnation, keys.own());
        this.ctx = new EngineContext(self, settings, random, out, counters, keys);
        ctx.gossip = new Dissemination(ctx);
        ctx.rules = new MembershipRules(ctx);
        ctx.detector = new FailureDetector(ctx);
        ctx.antiEntropy = new AntiEntropy(ctx);
        ctx.channels = new ChannelReplicator(ctx);
        ctx.deltas = new DeltaReplicator(ctx);
    }

    /**
     * Keys for an engine built with a chosen id (tests, simulations): a key drawn from the id itself (so the
     * engine's own random sequence is untouched), the id kept as a legacy id (other members pin the key on first
     * sight, {@link PeerKeys}). Not for production: anyone can compute the key from the id.
     */
    private static PeerKeys legacyKeys(PeerId id) {
        return new PeerKeys(id, IdentityKey.generate(new java.util.SplittableRandom(id.value())), java.util.Map.of());
    }

    /** This member's identity keys and the keys it knows (owned by the engine thread). */
    public PeerKeys keys() {
        return ctx.keys;
    }

    // ------------------------------------------------------------------ local API

    /** Starts the timers (first probe after a random fraction of the interval, so members spread out). */
    public void start(long now) {
        started = true;
        ctx.detector.start(now);
        ctx.gossip.start(now);
        ctx.antiEntropy.start(now);
        nextReapAt = now + ctx.probeNanos();
    }

    /**
     * Push-pull (join=true) with each seed; {@code done} gets the number of seeds that answered. We also rumour our
     * own ALIVE (a seed rumours us too), since what the seeds' answers teach us is not rumoured on (see
     * {@code MembershipRules.mergeMembers}).
     */
    public void join(List<InetSocketAddress> seeds, Consumer<Integer> done) {
        if (!self.leaving) {
            ctx.gossip.enqueue(self.alive());
        }
        ctx.antiEntropy.join(seeds, done);
    }

    /** Publishes a new record for this member (bumps our incarnation so the ALIVE update wins everywhere). */
    public void setRecord(byte[] newRecord) {
        if (newRecord.length > ctx.cfg.maxRecordBytes()) {
            throw new IllegalArgumentException(
                    "record of " + newRecord.length + " bytes exceeds maxRecordBytes=" + ctx.cfg.maxRecordBytes());
        }
        self.record = ByteString.copyFrom(newRecord);
        self.incarnation = LocalMember.next(self.incarnation);
        ctx.gossip.enqueue(self.alive());
    }

    /** Announces a graceful leave; see {@link #leaveAnnounced}. Probing stops. */
    public void leave() {
        self.leaving = true;
        ctx.gossip.enqueue(self.left());
    }

    /** True once our LEFT update has been sent at least {@code times} times (or could not be: no live peers). */
    public boolean leaveAnnounced(int times) {
        int t = ctx.gossip.transmits(self.id);
        return self.leaving && (t < 0 || t >= times || ctx.table.live() == 0);
    }

    public void registerChannel(String name, CrdtChannel channel) {
        ctx.channels.register(name, channel);
    }

    /** The owner changed a channel's state (digests are recomputed); it is not pushed: see the two-argument form. */
    public void channelUpdated(String name) {
        channelUpdated(name, false);
    }

    /**
     * The owner changed a channel's state. Digests are recomputed. With {@code pushFullState} the full state is
     * also pushed over streams to a few members each gossip round until pushes stop being news (for changes that
     * were not published as deltas); without, it spreads through deltas, digest repair and push-pull.
     */
    public void channelUpdated(String name, boolean pushFullState) {
        ctx.channels.updated(name, pushFullState);
    }

    /**
     * Publishes a delta of a registered channel: every other member hands it to its channel's
     * {@link CrdtChannel#receiveDelta} once. Piggybacked on datagrams when it fits, else sent over streams.
     *
     * @throws IllegalArgumentException for an unknown channel or a delta over {@code maxDeltaBytes}
     */
    public void publishDelta(String channel, byte[] delta) {
        ctx.deltas.publish(channel, delta);
    }

    /**
     * Sends a point-to-point message over a stream; {@code done} gets true if the member accepted it, false if it
     * is unknown, not live, refused it, or could not be reached in time.
     */
    public void sendMessage(PeerId to, String topic, byte[] payload, Consumer<Boolean> done) {
        Member m = ctx.table.get(to);
        if (m == null || !m.state.isLive() || m.address == null) {
            done.accept(false);
            return;
        }
        ByteString body = ByteString.copyFrom(payload);
        ByteString signature = StateSignature.sign(StateSignature.direct(self.id, to, topic, body), ctx.keys.own());
        Packet req = ctx.packet()
                .setDirect(Direct.newBuilder()
                        .setToId(to.toString())
                        .setTopic(topic)
                        .setPayload(body)
                        .setSignature(signature))
                .build();
        ctx.out.exchange(
                m.address,
                req,
                (reply, t) -> done.accept(
                        reply != null && reply.hasDone() && reply.getDone().getAccepted()));
    }

    // ------------------------------------------------------------------ events

    /** A datagram arrived (already authenticated and parsed). */
    public void onPacket(InetSocketAddress from, Packet p, long now) {
        PeerId sender = Ids.parse(p.getSenderId(), ctx.counters);
        if (sender == null) {
            return;
        }
        if (sender.equals(self.id)) {
            ctx.counters.drop(DropReason.MISDIRECTED);
            return;
        }
        boolean known = ctx.table.heard(sender, now);
        for (MemberUpdate u : p.getGossipList()) {
            ctx.rules.apply(u, now);
        }
        ctx.deltas.onPiggybacked(p.getDeltasList());
        if (!known) {
            ctx.antiEntropy.repairUnknownSender(from, now); // unknown, or a tombstone that talks: our views differ
        }
        switch (p.getBodyCase()) {
            case PING -> {
                ctx.detector.onPing(from, p.getPing());
                ctx.channels.compareDigests(sender, from, p.getPing().getDigestsList(), now);
                ctx.antiEntropy.compareView(from, p.getPing().getViewHash(), now);
            }
            case ACK -> {
                ctx.detector.onAck(p.getAck(), now);
                ctx.channels.compareDigests(sender, from, p.getAck().getDigestsList(), now);
                ctx.antiEntropy.compareView(from, p.getAck().getViewHash(), now);
            }
            case PING_REQ -> ctx.detector.onPingReq(from, p.getPingReq(), now);
            case BODY_NOT_SET -> {
                // gossip only
            }
            default -> ctx.counters.drop(DropReason.UNEXPECTED);
        }
    }

    /** A stream request arrived; returns the reply to write back. */
    public Packet onStreamRequest(InetSocketAddress from, Packet p, long now) {
        PeerId sender = Ids.parse(p.getSenderId(), ctx.counters);
        if (sender == null) {
            return ctx.done(false, "sender id is not a peer id");
        }
        ctx.table.heard(sender, now);
        for (MemberUpdate u : p.getGossipList()) {
            ctx.rules.apply(u, now);
        }
        switch (p.getBodyCase()) {
            case PUSH_PULL -> {
                return ctx.antiEntropy.onPushPull(sender, p.getPushPull(), now);
            }
            case CHANNEL_PUSH -> {
                ChannelPush reply =
                        ctx.channels.onPush(sender, p.getChannelPush().getChannel());
                return reply == null
                        ? ctx.done(
                                false,
                                "unknown channel "
                                        + p.getChannelPush().getChannel().getName())
                        : ctx.packet().setChannelPush(reply).build();
            }
            case DELTA -> {
                return ctx.deltas.onStream(sender, p.getDelta());
            }
            case PING -> {
                if (!ctx.detector.isForUs(p.getPing().getTargetId())) {
                    return ctx.done(false, "not " + p.getPing().getTargetId());
                }
                return ctx.packet()
                        .setAck(Ack.newBuilder().setSeq(p.getPing().getSeq()))
                        .build();
            }
            case DIRECT -> {
                Direct d = p.getDirect();
                if (!ctx.detector.isForUs(d.getToId())) {
                    return ctx.done(false, "not " + d.getToId());
                }
                DropReason why = StateSignature.check(
                        ctx.keys,
                        sender,
                        StateSignature.direct(sender, self.id, d.getTopic(), d.getPayload()),
                        d.getSignature(),
                        DropReason.UNSIGNED_MESSAGE);
                if (why != null) {
                    ctx.counters.drop(why);
                    return ctx.done(false, "message not signed by its sender (" + why.counterName() + ")");
                }
                ctx.out.messageReceived(sender, d.getTopic(), d.getPayload().toByteArray());
                return ctx.done(true, "");
            }
            default -> {
                ctx.counters.drop(DropReason.UNEXPECTED);
                return ctx.done(false, "unexpected " + p.getBodyCase());
            }
        }
    }

    public void onTick(long now) {
        if (!started) {
            return;
        }
        ctx.detector.tick(now);
        ctx.gossip.tick(now);
        ctx.antiEntropy.tick(now);
        if (now >= nextReapAt) {
            nextReapAt = now + ctx.probeNanos();
            for (PeerId gone : ctx.table.reap(now, EngineContext.nanos(ctx.cfg.tombstoneTtl()))) {
                ctx.deltas.forget(gone);
            }
            ctx.detector.reap(now);
        }
    }

    // ------------------------------------------------------------------ status

    public PeerId selfId() {
        return self.id;
    }

    public InetSocketAddress selfAddress() {
        return self.address;
    }

    public long incarnation() {
        return self.incarnation;
    }

    public byte[] record() {
        return self.record.toByteArray();
    }

    public boolean isLeaving() {
        return self.leaving;
    }

    /** Snapshot of every known member other than us, tombstones included. */
    public List<MemberView> members() {
        List<MemberView> l = new ArrayList<>(ctx.table.size());
        for (Member m : ctx.table.all()) {
            l.add(m.view());
        }
        return l;
    }

    public MemberView member(PeerId id) {
        Member m = ctx.table.get(id);
        return m == null ? null : m.view();
    }

    /** State of {@code id} as we see it, or null if unknown. */
    public MemberState stateOf(PeerId id) {
        Member m = ctx.table.get(id);
        return m == null ? null : m.state;
    }

    public int liveMembers() {
        return ctx.table.live();
    }

    /** Push-pulls started because our view kept differing from peers' (a health signal: ~0 when stable). */
    public long viewRepairs() {
        return ctx.antiEntropy.viewRepairs();
    }

    /** Channel exchanges started because a digest kept differing past the grace period (~0 when quiet). */
    public long digestRepairs() {
        return ctx.channels.digestRepairs();
    }

    /** Full channel states this member signed (one per change of a channel's state, however often it is sent). */
    public long channelStateSignatures() {
        return ctx.channels.signatures();
    }

    /** Deltas of other members handed to our channels. */
    public long deltasDelivered() {
        return ctx.deltas.delivered();
    }

    /** Tombstones forgotten before their TTL because the table held its maximum of them. */
    public long tombstonesEvicted() {
        return ctx.table.tombstonesEvicted();
    }

    /** Hash of our live view (for tests and status). */
    public long viewHash() {
        return ctx.table.viewHash();
    }

    /**
     * Datagrams we sent with membership updates left waiting because the piggyback budget was full (a sign that
     * updates queue behind each other: ~0 in a quiet cluster).
     */
    public long piggybackFullSends() {
        return ctx.gossip.fullSends();
    }

    /**
     * ALIVE updates ignored because they came without the member's key (a relayer assumed we knew the member) and we
     * hold none for it yet: not a drop; the member reaches us with its key by its own rumour or a view repair.
     */
    public long aliveKeyUnknown() {
        return ctx.rules.keyUnknown();
    }

    /** Suspicions we started ourselves (a probe of ours went unanswered), not those we heard of. */
    public long suspicionsRaised() {
        return ctx.detector.suspicionsRaised();
    }

    /** Membership updates and deltas waiting to be piggybacked. */
    public int pendingBroadcasts() {
        return ctx.gossip.pending();
    }
}
