package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.ChannelDigest;
import dev.weft.gossip.wire.proto.ChannelPush;
import dev.weft.gossip.wire.proto.ChannelState;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Full-state replication of the owner's CRDT channels, part of the engine (same thread). Gossip never merges:
 * it hands what it receives to {@link CrdtChannel#receive} and returns; the owner merges on its own thread and
 * calls {@code channelUpdated} when it learned something. Three full-state paths (deltas: {@link DeltaReplicator}):
 * <ul>
 *   <li>push-pull: full state of every channel rides in each push-pull (join, periodic, repairs);</li>
 *   <li>digest repair (lazy): every ping/ack carries an 8-byte digest per channel; when a remote digest that
 *       differs from ours is still being shown at least {@code digestRepairGrace} after we first saw it (by any
 *       member), we exchange that channel with the member showing it. A delta in flight moves digests on within
 *       about a second, so it causes no full-state exchange; a lasting difference (a missed delta, a change not
 *       published as one) is repaired within about the grace period plus a probe interval. Remembering per remote
 *       digest rather than per member matters in large clusters, where we see a given member's digest only every
 *       ~N/2 probe intervals;</li>
 *   <li>full-state rumour, only when the owner asks ({@code channelUpdated(name, true)}): the channel is pushed
 *       over a stream to {@code fanout} random members each gossip round until {@value #PUSH_MISSES} pushes found
 *       the receiver at our state. Since nothing is merged here, a push's reply flag {@code changed} means "the
 *       pushed state's hash differs from the receiver's current {@code localState()}" (it may learn something),
 *       and the pusher counts a miss when that is false and the returned state equals ours too (Demers' feedback
 *       counter, on hashes instead of merge results).</li>
 * </ul>
 * {@code localState()} must encode equal states to equal bytes, or digests never settle.
 */
final class ChannelReplicator {
    /** A channel stops being pushed after this many pushes that were not news. */
    static final int PUSH_MISSES = 4;

    private final EngineContext ctx;
    private final Map<String, CrdtChannel> channels = new LinkedHashMap<>();
    private final Map<String, Integer> hot = new LinkedHashMap<>();
    private final Set<String> repairing = new LinkedHashSet<>();
    /** channel -> remote digest that differs from ours -> {first seen, last seen}. */
    private final Map<String, Map<Long, long[]>> foreign = new HashMap<>();

    private List<ChannelDigest> digests = List.of();
    private final Map<String, Long> hashes = new HashMap<>();
    private boolean digestsStale;
    private long digestRepairs;
    /** channel -> our last state with its signature. */
    private final Map<String, ChannelState> signed = new HashMap<>();

    private long signatures;

    ChannelReplicator(EngineContext ctx) {
        this.ctx = ctx;
    }

    void register(String name, CrdtChannel channel) {
        if (name == null || name.isEmpty() || name.length() > 64) {
            throw new IllegalArgumentException("channel name must be 1-64 characters");
        }
        if (channels.putIfAbsent(name, channel) != null) {
            throw new IllegalStateException("channel already registered: " + name);
        }
        digestsStale = true;
    }

    CrdtChannel channel(String name) {
        return channels.get(name);
    }

    /** The owner's state changed: digests are recomputed; with {@code pushFullState} the state is also rumoured. */
    void updated(String name, boolean pushFullState) {
        if (!channels.containsKey(name)) {
            throw new IllegalArgumentException("unknown channel: " + name);
        }
        if (pushFullState) {
            hot.put(name, 0);
        }
        digestsStale = true;
    }

    /**
     * Hands remote full state to its channel (unknown channels are ignored: registered later, or not by us), once
     * {@code from} is proven to have signed it ({@link StateSignature}); otherwise it is dropped and counted.
     */
    void receive(PeerId from, ChannelState cs) {
        CrdtChannel ch = channels.get(cs.getName());
        if (ch == null || from == null) {
            return;
        }
        DropReason why = StateSignature.check(
                ctx.keys,
                from,
                StateSignature.state(cs.getName(), from, cs.getState()),
                cs.getSignature(),
                DropReason.UNSIGNED_STATE);
        if (why != null) {
            ctx.counters.drop(why);
            return;
        }
        try {
            ch.receive(from, cs.getState().toByteArray());
        } catch (RuntimeException e) {
            ctx.counters.drop(DropReason.CHANNEL_MERGE_FAILED);
        }
    }

    void receiveAll(PeerId from, List<ChannelState> states) {
        for (ChannelState cs : states) {
            receive(from, cs);
        }
    }

    /** A pushed channel arrived over a stream: hand it over and answer with ours (null if we do not have it). */
    ChannelPush onPush(PeerId from, ChannelState cs) {
        CrdtChannel ch = channels.get(cs.getName());
        if (ch == null) {
            return null;
        }
        boolean differs = hash(cs.getState()) != ourHash(cs.getName());
        if (differs) {
            receive(from, cs);
        }
        return ChannelPush.newBuilder()
                .setChannel(state(cs.getName(), ch))
                .setChanged(differs)
                .build();
    }

    List<ChannelState> states() {
        List<ChannelState> l = new ArrayList<>(channels.size());
        channels.forEach((name, ch) -> l.add(state(name, ch)));
        return l;
    }

    /** Each gossip round: push channels whose owner asked for it to a few members. */
    void pushHot() {
        for (String name : new ArrayList<>(hot.keySet())) {
            ChannelState cs = state(name, channels.get(name));
            List<Member> targets = ctx.table.randomLive(ctx.cfg.gossipFanout(), null);
            if (targets.isEmpty()) {
                hot.remove(name);
            }
            for (Member to : targets) {
                ctx.out.exchange(to.address, push(cs), (reply, t) -> {
                    if (reply == null
                            || !reply.hasChannelPush()
                            || !reply.getChannelPush().getChannel().getName().equals(name)) {
                        return;
                    }
                    ChannelState theirs = reply.getChannelPush().getChannel();
                    boolean weMayLearn = hash(theirs.getState()) != ourHash(name);
                    if (weMayLearn) {
                        receive(replier(reply), theirs);
                    } else if (!reply.getChannelPush().getChanged()) {
                        hot.computeIfPresent(name, (k, misses) -> misses + 1 >= PUSH_MISSES ? null : misses + 1);
                    }
                });
            }
        }
    }

    /** Our digests (recomputed only after the owner reported a change). */
    List<ChannelDigest> digests() {
        if (digestsStale) {
            digestsStale = false;
            List<ChannelDigest> l = new ArrayList<>(channels.size());
            channels.forEach((name, ch) -> {
                long h = hash(ByteString.copyFrom(ch.localState()));
                hashes.put(name, h);
                l.add(ChannelDigest.newBuilder().setName(name).setHash(h).build());
            });
            digests = List.copyOf(l);
        }
        return digests;
    }

    private long ourHash(String name) {
        digests();
        return hashes.getOrDefault(name, 0L);
    }

    /**
     * Digests from a ping/ack of {@code from}. A remote digest that differs from ours is remembered with the time
     * it was first seen; when the same remote digest is seen again at least the grace period later (from any
     * member) and ours still differs, that state is lasting, not a delta in flight: we exchange the channel with
     * the member that just showed it (one exchange at a time per channel). Remote digests not seen for two grace
     * periods are forgotten.
     */
    void compareDigests(PeerId from, InetSocketAddress address, List<ChannelDigest> theirs, long now) {
        if (theirs.isEmpty() || channels.isEmpty()) {
            return;
        }
        long grace = EngineContext.nanos(ctx.cfg.digestRepairGrace());
        for (ChannelDigest d : theirs) {
            String name = d.getName();
            CrdtChannel ch = channels.get(name);
            if (ch == null) {
                continue;
            }
            Map<Long, long[]> seen = foreign.computeIfAbsent(name, k -> new HashMap<>());
            if (ourHash(name) == d.getHash()) {
                seen.remove(d.getHash());
                continue;
            }
            if (seen.size() > 8) {
                seen.values().removeIf(firstLast -> now - firstLast[1] > 2 * grace);
            }
            long[] firstLast = seen.computeIfAbsent(d.getHash(), k -> new long[] {now, now});
            firstLast[1] = now;
            if (now - firstLast[0] < grace || repairing.contains(name)) {
                continue;
            }
            seen.remove(d.getHash());
            repairing.add(name);
            digestRepairs++;
            ctx.out.exchange(address, push(state(name, ch)), (reply, t) -> {
                repairing.remove(name);
                if (reply != null
                        && reply.hasChannelPush()
                        && reply.getChannelPush().getChannel().getName().equals(name)) {
                    ChannelState cs = reply.getChannelPush().getChannel();
                    if (hash(cs.getState()) != ourHash(name)) {
                        receive(replier(reply), cs);
                    }
                }
            });
        }
    }

    /** Channel exchanges started by lasting digest mismatches. */
    long digestRepairs() {
        return digestRepairs;
    }

    /** The member that signed a reply (the state in it must be signed by it); null if its id is not a peer id. */
    private PeerId replier(Packet reply) {
        return Ids.parse(reply.getSenderId(), ctx.counters);
    }

    private Packet push(ChannelState cs) {
        return ctx.packet()
                .setChannelPush(ChannelPush.newBuilder().setChannel(cs))
                .build();
    }

    /** The channel's state signed by us; signed once per change of the state (compared byte for byte). */
    private ChannelState state(String name, CrdtChannel ch) {
        byte[] now = ch.localState();
        ChannelState last = signed.get(name);
        if (last != null && last.getState().equals(ByteString.copyFrom(now))) {
            return last;
        }
        ByteString state = ByteString.copyFrom(now);
        ChannelState cs = ChannelState.newBuilder()
                .setName(name)
                .setState(state)
                .setSignature(StateSignature.sign(StateSignature.state(name, ctx.self.id, state), ctx.keys.own()))
                .build();
        signed.put(name, cs);
        signatures++;
        return cs;
    }

    /** Full states signed (one per change of a channel's state). */
    long signatures() {
        return signatures;
    }

    static long hash(ByteString state) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(state.asReadOnlyByteBuffer());
            return ByteBuffer.wrap(md.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
