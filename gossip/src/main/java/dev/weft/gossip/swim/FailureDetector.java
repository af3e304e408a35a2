package dev.weft.gossip.swim;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.Ack;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.Ping;
import dev.weft.gossip.wire.proto.PingReq;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Probing and suspicion timeouts. Each probe interval one member (randomised round-robin) gets a ping; without an
 * ack within the probe timeout, {@code indirectChecks} others are asked to ping it (ping-req) and it gets a stream
 * ping; without any ack by the end of the interval it is suspected. A suspicion that is not refuted in time
 * becomes DEAD. Pings and acks carry our channel digests and view hash (anti-entropy triggers).
 */
final class FailureDetector {
    private final EngineContext ctx;
    private long nextSeq = 1;
    private Probe probe;
    private final Map<Long, Relay> relays = new HashMap<>();
    private long nextProbeAt;
    private long suspicionsRaised;

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

    private record Relay(InetSocketAddress requester, long requesterSeq, long deadline) {}

    FailureDetector(EngineContext ctx) {
        this.ctx = ctx;
    }

    /** First probe after a random fraction of the interval, so members spread out. */
    void start(long now) {
        nextProbeAt = now + (long) (ctx.random.nextDouble() * ctx.probeNanos());
    }

    void tick(long now) {
        if (probe != null) {
            if (!probe.acked
                    && !probe.indirectSent
                    && now - probe.sentAt >= EngineContext.nanos(ctx.cfg.probeTimeout())) {
                sendIndirect(probe);
            }
            if (now - probe.sentAt >= ctx.probeNanos() || probe.acked) {
                if (!probe.acked && !ctx.self.leaving) {
                    Member t = probe.target;
                    if (t.state == MemberState.ALIVE) {
                        suspicionsRaised++;
                        ctx.rules.suspect(t, t.incarnation, ctx.self.id, now);
                    } else if (t.state == MemberState.SUSPECT && t.suspicion.confirm(ctx.self.id)) {
                        // our own failed probe confirms
                        ctx.gossip.enqueue(MembershipRules.update(t, MemberStatus.SUSPECT, ctx.self.id));
                    }
                }
                probe = null;
            }
        }
        if (now >= nextProbeAt) {
            nextProbeAt = now + ctx.probeNanos();
            if (!ctx.self.leaving) {
                startProbe(now);
            }
        }
        if (!ctx.table.suspects.isEmpty()) {
            for (Iterator<PeerId> it = ctx.table.suspects.iterator(); it.hasNext(); ) {
                Member m = ctx.table.get(it.next());
                if (m == null || m.state != MemberState.SUSPECT) {
                    it.remove();
                } else if (now >= m.suspicion.deadlineNanos()) {
                    it.remove();
                    ctx.rules.declare(m, MemberState.DEAD, m.incarnation, now);
                    ctx.gossip.enqueue(MembershipRules.update(m, MemberStatus.DEAD, ctx.self.id));
                }
            }
        }
    }

    long suspicionsRaised() {
        return suspicionsRaised;
    }

    /** Forgets relays whose requester has stopped waiting. */
    void reap(long now) {
        relays.values().removeIf(r -> now > r.deadline());
    }

    private void startProbe(long now) {
        Member target = ctx.table.nextProbeTarget();
        if (target == null) {
            return;
        }
        long seq = nextSeq++;
        probe = new Probe(target, seq, now);
        ctx.gossip.send(
                target.address,
                ctx.packet()
                        .setPing(Ping.newBuilder()
                                .setSeq(seq)
                                .setTargetId(target.id.toString())
                                .addAllDigests(ctx.channels.digests())
                                .setViewHash(ctx.table.viewHash())));
    }

    private void sendIndirect(Probe pr) {
        pr.indirectSent = true;
        String targetId = pr.target.id.toString();
        // Stream fallback (as memberlist does): survives UDP loss; a hung member fails it by timeout.
        ctx.out.exchange(
                pr.target.address,
                ctx.packet()
                        .setPing(Ping.newBuilder().setSeq(pr.seq).setTargetId(targetId))
                        .build(),
                (reply, t) -> {
                    if (reply != null
                            && reply.hasAck()
                            && probe == pr
                            && reply.getAck().getSeq() == pr.seq) {
                        pr.acked = true;
                    }
                });
        List<Member> helpers = ctx.table.randomLive(ctx.cfg.indirectChecks(), pr.target.id);
        for (Member h : helpers) {
            ctx.gossip.send(
                    h.address,
                    ctx.packet()
                            .setPingReq(PingReq.newBuilder()
                                    .setSeq(pr.seq)
                                    .setTargetId(targetId)
                                    .setTarget(Endpoints.toWire(pr.target.address))));
        }
    }

    /** True if a ping (datagram or stream) is addressed to us; counts it otherwise. */
    boolean isForUs(String targetId) {
        PeerId target = Ids.parse(targetId, ctx.counters);
        if (target == null) {
            return false;
        }
        if (!target.equals(ctx.self.id)) {
            ctx.counters.drop(DropReason.MISDIRECTED);
            return false;
        }
        return true;
    }

    void onPing(InetSocketAddress from, Ping ping) {
        if (!isForUs(ping.getTargetId())) {
            return;
        }
        ctx.gossip.send(
                from,
                ctx.packet()
                        .setAck(Ack.newBuilder()
                                .setSeq(ping.getSeq())
                                .addAllDigests(ctx.channels.digests())
                                .setViewHash(ctx.table.viewHash())));
    }

    void onAck(Ack ack, long now) {
        if (probe != null && probe.seq == ack.getSeq()) {
            probe.acked = true;
            return;
        }
        Relay r = relays.remove(ack.getSeq());
        if (r != null && now <= r.deadline()) {
            ctx.gossip.send(r.requester(), ctx.packet().setAck(Ack.newBuilder().setSeq(r.requesterSeq())));
        }
    }

    void onPingReq(InetSocketAddress from, PingReq req, long now) {
        InetSocketAddress target = Endpoints.fromWire(req.getTarget());
        if (target == null) {
            ctx.counters.drop(DropReason.MALFORMED);
            return;
        }
        PeerId targetId = Ids.parse(req.getTargetId(), ctx.counters);
        if (targetId == null) {
            return;
        }
        long seq = nextSeq++;
        relays.put(seq, new Relay(from, req.getSeq(), now + ctx.probeNanos()));
        ctx.gossip.send(
                target, ctx.packet().setPing(Ping.newBuilder().setSeq(seq).setTargetId(targetId.toString())));
    }
}
