package dev.weft.gossip.swim;

import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Full-state push-pull over a stream (members and every channel), started for four reasons, all through
 * {@link #pushPull}: a join (with each seed, at once), the periodic exchange with one random member, a live
 * sender we do not know (or hold a tombstone for), and a view hash that keeps differing from the peers'.
 */
final class AntiEntropy {
    /** A view that differs from a peer's for this many probe intervals is repaired by a push-pull... */
    static final int VIEW_REPAIR_DELAY_PROBES = 5;
    /**
     * ...at most once per this many probe intervals (was 10: after a 500-member mass join the last missing member
     * then waited up to 10 s for its repair, bootstrap 14.1 s with seed 42; with 5, 11.1 s).
     */
    static final int VIEW_REPAIR_INTERVAL_PROBES = 5;

    private static final long NONE = Long.MIN_VALUE;

    private final EngineContext ctx;
    private final Set<InetSocketAddress> senderRepairs = new LinkedHashSet<>();
    private long lastSenderRepairAt = Long.MIN_VALUE / 4; // far past, without overflow in now - it
    private long viewMismatchSince = NONE;
    private long lastViewRepairAt = Long.MIN_VALUE / 4;
    private long viewRepairs;
    private long nextPushPullAt;

    AntiEntropy(EngineContext ctx) {
        this.ctx = ctx;
    }

    void start(long now) {
        nextPushPullAt = now + pushPullDelay();
    }

    /**
     * Sends our full state to {@code to} and merges its answer. {@code answered} (may be null) gets true when a
     * push-pull reply came back, false on failure or timeout.
     */
    void pushPull(InetSocketAddress to, boolean join, Consumer<Boolean> answered) {
        Packet request = ctx.packet().setPushPull(localState(join, Map.of())).build();
        ctx.out.exchange(to, request, (reply, t) -> {
            boolean ok = reply != null && reply.hasPushPull();
            if (ok) {
                PeerId sender = Ids.parse(reply.getSenderId(), ctx.counters);
                if (sender == null) {
                    ok = false;
                } else {
                    merge(sender, reply.getPushPull(), t);
                }
            }
            if (answered != null) {
                answered.accept(ok);
            }
        });
    }

    /** Push-pull (join=true) with each seed; {@code done} gets the number of seeds that answered. */
    void join(List<InetSocketAddress> seeds, Consumer<Integer> done) {
        if (seeds.isEmpty()) {
            done.accept(0);
            return;
        }
        int[] answered = {0, 0};
        for (InetSocketAddress seed : seeds) {
            pushPull(seed, true, ok -> {
                if (ok) {
                    answered[0]++;
                }
                if (++answered[1] == seeds.size()) {
                    done.accept(answered[0]);
                }
            });
        }
    }

    /**
     * A push-pull request arrived: answer with our state (taken before merging theirs), less what the request shows
     * the sender already has ({@link MemberList#ours}).
     */
    Packet onPushPull(PeerId sender, PushPull theirs, long now) {
        PushPull reply = localState(false, MemberList.told(theirs));
        merge(sender, theirs, now);
        return ctx.packet().setPushPull(reply).build();
    }

    /** The periodic exchange with one random member. */
    void tick(long now) {
        if (now < nextPushPullAt) {
            return;
        }
        nextPushPullAt = now + pushPullDelay();
        Member m = ctx.table.randomLive(null);
        if (m != null && !ctx.self.leaving) {
            pushPull(m.address, false, null);
        }
    }

    /**
     * A live member we do not know (or hold a tombstone for) talks to us: our views differ, which gossip alone
     * may take long to fix. Exchange full state with it (at most one such repair per probe interval).
     */
    void repairUnknownSender(InetSocketAddress from, long now) {
        if (ctx.self.leaving || senderRepairs.contains(from) || now - lastSenderRepairAt < ctx.probeNanos()) {
            return;
        }
        lastSenderRepairAt = now;
        senderRepairs.add(from);
        pushPull(from, false, ok -> senderRepairs.remove(from));
    }

    /**
     * Membership anti-entropy: if our live set keeps differing from the peers' (and not just for the moment a
     * change takes to spread), exchange full state with one of them. Piggybacked gossip can, rarely, miss a
     * member (e.g. many joining at once); this repairs it within a few probe intervals instead of waiting for
     * the periodic push-pull. A peer whose own view is the odd one repairs itself the same way.
     */
    void compareView(InetSocketAddress from, long theirs, long now) {
        if (theirs == 0 || ctx.self.leaving) {
            return;
        }
        if (theirs == ctx.table.viewHash()) {
            viewMismatchSince = NONE;
            return;
        }
        long probe = ctx.probeNanos();
        if (viewMismatchSince == NONE) {
            viewMismatchSince = now;
        } else if (now - viewMismatchSince >= VIEW_REPAIR_DELAY_PROBES * probe
                && now - lastViewRepairAt >= VIEW_REPAIR_INTERVAL_PROBES * probe) {
            lastViewRepairAt = now;
            viewMismatchSince = NONE;
            viewRepairs++;
            pushPull(from, false, null);
        }
    }

    long viewRepairs() {
        return viewRepairs;
    }

    private void merge(PeerId sender, PushPull state, long now) {
        ctx.rules.mergeMembers(sender, state.getMembersList(), now);
        ctx.channels.receiveAll(sender, state.getChannelsList());
    }

    /**
     * Our full state; {@code told}: the receiver's request by member id, so the member list leaves out what it has
     * ({@link MemberList#ours}); empty for a request.
     */
    private PushPull localState(boolean join, Map<String, MemberUpdate> told) {
        PushPull.Builder b = PushPull.newBuilder().setJoin(join);
        b.addAllMembers(MemberList.ours(ctx, told));
        b.addAllChannels(ctx.channels.states());
        return b.build();
    }

    private long pushPullDelay() {
        long base = Timing.pushPullIntervalNanos(EngineContext.nanos(ctx.cfg.pushPullInterval()), ctx.clusterSize());
        return base / 2 + (long) (ctx.random.nextDouble() * base);
    }
}
