package dev.weft.gossip.swim;

import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Epidemic dissemination over datagrams: membership updates and channel deltas wait in broadcast queues and ride
 * on every datagram we send (membership first, fewest-sent first), and on gossip rounds to {@code gossipFanout}
 * random members every {@code gossipInterval}; each is sent at most {@code retransmitMult * ceil(log10(N+1))}
 * times (memberlist's limit).
 */
final class Dissemination {
    /** How long (in probe intervals) we keep gossiping to a member after declaring it dead. */
    static final int GOSSIP_TO_DEAD_PROBE_INTERVALS = 30;
    /** Room the sealer needs for sent_at_millis (at most 11 bytes). */
    private static final int SENT_AT_ROOM = 11;

    private final EngineContext ctx;
    private final BroadcastQueue<PeerId, MemberUpdate> members =
            new BroadcastQueue<>(u -> PeerId.parse(u.getMemberId()));
    private final BroadcastQueue<DeltaReplicator.Key, ChannelDelta> deltas =
            new BroadcastQueue<>(DeltaReplicator.Key::of);
    private long nextGossipAt;
    private long fullSends;

    Dissemination(EngineContext ctx) {
        this.ctx = ctx;
    }

    void start(long now) {
        nextGossipAt = now + (long) (ctx.random.nextDouble() * EngineContext.nanos(ctx.cfg.gossipInterval()));
    }

    /** Queues a membership update (it must carry a valid peer id); replaces a pending one about the same member. */
    void enqueue(MemberUpdate u) {
        members.enqueue(u);
    }

    void enqueueDelta(ChannelDelta d) {
        deltas.enqueue(d);
    }

    /** Transmissions so far of the pending update about {@code id}, or -1 if none is pending. */
    int transmits(PeerId id) {
        return members.transmits(id);
    }

    /** Datagrams sent with membership updates left waiting for lack of room (the piggyback budget was full). */
    long fullSends() {
        return fullSends;
    }

    int pending() {
        return members.size() + deltas.size();
    }

    /**
     * The largest encoded delta that may ride in a datagram: the UDP cap minus the envelope, the sender id and
     * timestamp, and 256 bytes left for the packet's own body (a ping with digests).
     */
    int maxPiggybackedDelta() {
        return ctx.cfg.maxUdpPayload() - Envelope.OVERHEAD - SENT_AT_ROOM - 256;
    }

    /** Sends a datagram with as many pending updates (then deltas) as fit. */
    void send(InetSocketAddress to, Packet.Builder b) {
        int budget = ctx.cfg.maxUdpPayload() - Envelope.OVERHEAD - b.build().getSerializedSize() - SENT_AT_ROOM;
        int limit = Timing.retransmitLimit(ctx.cfg.retransmitMult(), ctx.clusterSize());
        int waiting = members.size();
        List<MemberUpdate> taken = members.take(budget, limit);
        for (MemberUpdate u : taken) {
            b.addGossip(u);
            budget -= BroadcastQueue.cost(u.getSerializedSize());
        }
        if (taken.size() < waiting) {
            fullSends++;
        }
        if (!deltas.isEmpty()) {
            b.addAllDeltas(deltas.take(budget, limit));
        }
        ctx.out.send(to, b.build());
    }

    void tick(long now) {
        if (now < nextGossipAt) {
            return;
        }
        nextGossipAt = now + EngineContext.nanos(ctx.cfg.gossipInterval());
        ctx.channels.pushHot();
        // Gossip to one recently dead member too (as memberlist does): if it is in fact alive behind a healed
        // partition, it learns it was declared dead, and it and we repair our views (refutation + push-pull).
        Member dead = ctx.table.recentlyDead(now, GOSSIP_TO_DEAD_PROBE_INTERVALS * ctx.probeNanos());
        if (dead != null && !ctx.self.leaving) {
            send(dead.address, ctx.packet());
        }
        if (members.isEmpty() && deltas.isEmpty()) {
            return;
        }
        for (Member m : ctx.table.randomLive(ctx.cfg.gossipFanout(), null)) {
            if (members.isEmpty() && deltas.isEmpty()) {
                break;
            }
            send(m.address, ctx.packet());
        }
    }
}
