package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.ChannelDigest;
import dev.weft.gossip.wire.proto.ChannelPush;
import dev.weft.gossip.wire.proto.ChannelState;
import dev.weft.gossip.wire.proto.Packet;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Replication of the agent's CRDT channels, part of the engine (same thread). Three paths:
 * <ul>
 *   <li>rumour: after a change (local, or a merge that learned something) the channel is "hot" and pushed over a
 *       stream to {@code fanout} random members each gossip round, until {@value #PUSH_MISSES} pushes found the
 *       receiver already knowing it (Demers' feedback counter); replies carry the receiver's state back;</li>
 *   <li>digests: every ping/ack carries an 8-byte digest per channel; a mismatch makes the receiver exchange that
 *       channel with the sender (repair within about one probe interval);</li>
 *   <li>push-pull: full state of every channel rides in each push-pull.</li>
 * </ul>
 * {@code localState()} must encode equal states to equal bytes, or digests never settle.
 */
final class ChannelReplicator {
    /** A channel stops being pushed after this many pushes that were not news. */
    static final int PUSH_MISSES = 4;

    private final String selfId;
    private final int fanout;
    private final SwimOutput out;
    private final WireCounters counters;
    private final IntFunction<List<InetSocketAddress>> randomPeers;
    private final Map<String, CrdtChannel> channels = new LinkedHashMap<>();
    private final Map<String, Integer> hot = new LinkedHashMap<>();
    private final Set<String> repairing = new LinkedHashSet<>();
    private List<ChannelDigest> digests = List.of();
    private boolean digestsStale;

    /** @param randomPeers k -> up to k random live members' addresses */
    ChannelReplicator(String selfId, int fanout, SwimOutput out, WireCounters counters,
                      IntFunction<List<InetSocketAddress>> randomPeers) {
        this.selfId = selfId;
        this.fanout = fanout;
        this.out = out;
        this.counters = counters;
        this.randomPeers = randomPeers;
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

    void updated(String name) {
        if (!channels.containsKey(name)) {
            throw new IllegalArgumentException("unknown channel: " + name);
        }
        hot.put(name, 0);
        digestsStale = true;
    }

    boolean isEmpty() {
        return channels.isEmpty();
    }

    /** Merge remote state of a channel we know; true if it taught us something. Failures are counted. */
    boolean merge(ChannelState cs) {
        CrdtChannel ch = channels.get(cs.getName());
        if (ch == null) {
            return false;
        }
        boolean changed;
        try {
            changed = ch.merge(cs.getState().toByteArray());
        } catch (RuntimeException e) {
            counters.drop(DropReason.CHANNEL_MERGE_FAILED);
            return false;
        }
        if (changed) {
            hot.put(cs.getName(), 0);
            digestsStale = true;
            out.channelChanged(cs.getName());
        }
        return changed;
    }

    void mergeAll(List<ChannelState> states) {
        for (ChannelState cs : states) {
            merge(cs);
        }
    }

    /** A pushed channel arrived over a stream: merge it and answer with ours (null if we do not have it). */
    ChannelPush onPush(ChannelState cs) {
        CrdtChannel ch = channels.get(cs.getName());
        if (ch == null) {
            return null;
        }
        boolean changed = merge(cs);
        return ChannelPush.newBuilder().setChannel(state(cs.getName(), ch)).setChanged(changed).build();
    }

    List<ChannelState> states() {
        List<ChannelState> l = new ArrayList<>(channels.size());
        channels.forEach((name, ch) -> l.add(state(name, ch)));
        return l;
    }

    /** Each gossip round: push hot channels to a few members. */
    void pushHot() {
        for (String name : new ArrayList<>(hot.keySet())) {
            ChannelState cs = state(name, channels.get(name));
            List<InetSocketAddress> targets = randomPeers.apply(fanout);
            if (targets.isEmpty()) {
                hot.remove(name);
            }
            for (InetSocketAddress to : targets) {
                out.exchange(to, push(cs), (reply, t) -> {
                    if (reply == null || !reply.hasChannelPush()
                            || !reply.getChannelPush().getChannel().getName().equals(name)) {
                        return;
                    }
                    boolean weLearned = merge(reply.getChannelPush().getChannel());
                    if (!weLearned && !reply.getChannelPush().getChanged()) {
                        hot.computeIfPresent(name, (k, misses) -> misses + 1 >= PUSH_MISSES ? null : misses + 1);
                    }
                });
            }
        }
    }

    /** Our digests (recomputed only after a change). */
    List<ChannelDigest> digests() {
        if (digestsStale) {
            digestsStale = false;
            List<ChannelDigest> l = new ArrayList<>(channels.size());
            channels.forEach((name, ch) -> l.add(ChannelDigest.newBuilder().setName(name)
                    .setHash(hash(ch.localState())).build()));
            digests = List.copyOf(l);
        }
        return digests;
    }

    /** A digest that differs from ours makes us exchange that channel with the sender (one at a time per channel). */
    void compareDigests(InetSocketAddress from, List<ChannelDigest> theirs) {
        if (theirs.isEmpty() || channels.isEmpty()) {
            return;
        }
        List<ChannelDigest> ours = digests();
        for (ChannelDigest d : theirs) {
            String name = d.getName();
            CrdtChannel ch = channels.get(name);
            if (ch == null || repairing.contains(name)
                    || ours.stream().anyMatch(o -> o.getName().equals(name) && o.getHash() == d.getHash())) {
                continue;
            }
            repairing.add(name);
            out.exchange(from, push(state(name, ch)), (reply, t) -> {
                repairing.remove(name);
                if (reply != null && reply.hasChannelPush()
                        && reply.getChannelPush().getChannel().getName().equals(name)) {
                    merge(reply.getChannelPush().getChannel());
                }
            });
        }
    }

    private Packet push(ChannelState cs) {
        return Packet.newBuilder().setSenderId(selfId).setChannelPush(ChannelPush.newBuilder().setChannel(cs)).build();
    }

    private static ChannelState state(String name, CrdtChannel ch) {
        return ChannelState.newBuilder().setName(name).setState(ByteString.copyFrom(ch.localState())).build();
    }

    static long hash(byte[] state) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(state)).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
