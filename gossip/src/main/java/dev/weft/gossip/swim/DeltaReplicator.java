package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Channel deltas (DESIGN §4: "deltas ride on regular gossip"). A delta published here is numbered (origin, epoch,
 * seq) and disseminated epidemically like a membership update: queued for piggybacking on datagrams and gossip
 * rounds, retransmitted {@code retransmitMult * ceil(log10(N+1))} times by every member that receives it. Each
 * member hands a delta to its channel's {@link CrdtChannel#receiveDelta} once (see {@link DeltaWindow}).
 *
 * <p>A delta too large for a datagram ({@link Dissemination#maxPiggybackedDelta()}) goes over streams to
 * {@code gossipFanout} random members instead; each receiver that sees it for the first time passes it on the same
 * way once, so it still spreads (a flood with fanout k reaches all but about e^-k of the members; those catch up
 * through digest repair and push-pull).
 */
final class DeltaReplicator {
    /** Dedupe key of a delta. */
    record Key(PeerId origin, long epoch, long seq) {
        static Key of(ChannelDelta d) {
            return new Key(PeerId.parse(d.getOriginId()), d.getEpoch(), d.getSeq());
        }
    }

    private final EngineContext ctx;
    private final long epoch;
    private long nextSeq = 1;
    private final Map<PeerId, DeltaWindow> seen = new HashMap<>();
    private long delivered;
    private long streamed;

    DeltaReplicator(EngineContext ctx) {
        this.ctx = ctx;
        long e;
        do {
            e = ctx.random.nextLong();
        } while (e == 0);
        this.epoch = e;
    }

    /** Publishes a delta of a registered channel of ours. */
    void publish(String channel, byte[] delta) {
        if (ctx.channels.channel(channel) == null) {
            throw new IllegalArgumentException("unknown channel: " + channel);
        }
        if (delta.length > ctx.cfg.maxDeltaBytes()) {
            throw new IllegalArgumentException(
                    "delta of " + delta.length + " bytes exceeds maxDeltaBytes=" + ctx.cfg.maxDeltaBytes());
        }
        ChannelDelta d = ChannelDelta.newBuilder()
                .setChannel(channel)
                .setOriginId(ctx.self.wireId)
                .setEpoch(epoch)
                .setSeq(nextSeq++)
                .setDelta(ByteString.copyFrom(delta))
                .build();
        spread(DeltaSignature.sign(d, ctx.self.id, ctx.keys.own()), null);
    }

    /** Deltas piggybacked on a datagram. */
    void onPiggybacked(List<ChannelDelta> deltas) {
        for (ChannelDelta d : deltas) {
            if (d.getSerializedSize() > ctx.gossip.maxPiggybackedDelta()) {
                ctx.counters.drop(DropReason.OVERSIZED);
                continue;
            }
            PeerId origin = valid(d);
            if (origin != null && news(origin, d) && signedByOrigin(origin, d) && firstTime(origin, d)) {
                ctx.gossip.enqueueDelta(d);
                deliver(origin, d);
            }
        }
    }

    /** A large delta arrived over a stream from {@code sender}: deliver and pass on once; answer Done. */
    Packet onStream(PeerId sender, ChannelDelta d) {
        PeerId origin = valid(d);
        if (origin == null) {
            return ctx.done(false, "invalid delta");
        }
        if (!news(origin, d)) {
            return ctx.done(true, "");
        }
        if (!signedByOrigin(origin, d)) {
            return ctx.done(false, "delta not signed by its origin");
        }
        if (firstTime(origin, d)) {
            spread(d, sender);
            deliver(origin, d);
        }
        return ctx.done(true, "");
    }

    /** The origin is gone for good (tombstone reaped): forget what we saw of it. */
    void forget(PeerId origin) {
        seen.remove(origin);
    }

    long delivered() {
        return delivered;
    }

    long streamed() {
        return streamed;
    }

    private void spread(ChannelDelta d, PeerId receivedFrom) {
        if (d.getSerializedSize() <= ctx.gossip.maxPiggybackedDelta()) {
            ctx.gossip.enqueueDelta(d);
            return;
        }
        PeerId origin = PeerId.parse(d.getOriginId());
        Packet req = ctx.packet().setDelta(d).build();
        // a few more candidates than needed, so skipping the sender and the origin still leaves fanout targets
        int sent = 0;
        for (Member m : ctx.table.randomLive(ctx.cfg.gossipFanout() + 2, receivedFrom)) {
            if (sent == ctx.cfg.gossipFanout() || m.id.equals(origin)) {
                continue;
            }
            sent++;
            streamed++;
            ctx.out.exchange(m.address, req, (reply, t) -> {
                // best effort: a member the delta missed catches up through digest repair and push-pull
            });
        }
    }

    /** The origin if the delta is well-formed (counted otherwise); null for our own deltas coming back. */
    private PeerId valid(ChannelDelta d) {
        PeerId origin = Ids.parse(d.getOriginId(), ctx.counters);
        if (origin == null) {
            return null;
        }
        if (d.getChannel().isEmpty()
                || d.getChannel().length() > 64
                || d.getSeq() < 1
                || d.getDelta().size() > ctx.cfg.maxDeltaBytes()) {
            ctx.counters.drop(DropReason.MALFORMED);
            return null;
        }
        return origin.equals(ctx.self.id) ? null : origin;
    }

    /** True if the delta was not seen yet (nothing recorded: it is verified before {@link #firstTime}). */
    private boolean news(PeerId origin, ChannelDelta d) {
        DeltaWindow w = seen.get(origin);
        return w == null || w.wouldAccept(d.getEpoch(), d.getSeq());
    }

    /**
     * True if the origin signed the delta ({@link DeltaSignature}); otherwise counts why not. Verified once per
     * (origin, epoch, seq): duplicates stop at {@link #news}, and a forgery never marks its number as seen.
     */
    private boolean signedByOrigin(PeerId origin, ChannelDelta d) {
        DropReason why = DeltaSignature.check(ctx.keys, origin, d);
        if (why != null) {
            ctx.counters.drop(why);
            return false;
        }
        return true;
    }

    private boolean firstTime(PeerId origin, ChannelDelta d) {
        return seen.computeIfAbsent(origin, k -> new DeltaWindow()).firstTime(d.getEpoch(), d.getSeq());
    }

    private void deliver(PeerId origin, ChannelDelta d) {
        CrdtChannel ch = ctx.channels.channel(d.getChannel());
        if (ch == null) {
            return; // not registered (yet): full state brings it later
        }
        delivered++;
        try {
            ch.receiveDelta(origin, d.getDelta().toByteArray());
        } catch (RuntimeException e) {
            ctx.counters.drop(DropReason.CHANNEL_MERGE_FAILED);
        }
    }
}
