package dev.weft.gossip.sim;

import dev.weft.gossip.GossipListener;
import dev.weft.gossip.swim.SwimEngine;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;

/**
 * One member of a {@link SimNetwork}: a real {@link SwimEngine} with its listener and byte counters. Call the
 * engine (setRecord, registerChannel, channelUpdated, publishDelta, sendMessage, join...) only from the
 * simulation's own thread: the test's code, or a {@link SimNetwork#at} action. A restart makes a new
 * {@code SimMember} for the same id; this one then stays {@link #killed()}.
 */
public final class SimMember {
    private final PeerId id;
    private final InetSocketAddress address;
    private final GossipListener listener;
    final WireCounters counters = new WireCounters();
    SwimEngine engine;
    boolean killed;
    boolean hung;
    long udpBytesSent;
    long udpBytesReceived;
    long streamBytesSent;
    long streamBytesReceived;
    long packetsSent;
    long channelStatesSent;
    long channelStateBytesSent;
    long deltasSent;
    long deltaBytesSent;

    SimMember(PeerId id, InetSocketAddress address, GossipListener listener) {
        this.id = id;
        this.address = address;
        this.listener = listener;
    }

    public PeerId id() {
        return id;
    }

    /** A label in 198.18.0.0/15 (never routed; the simulation addresses members by it). */
    public InetSocketAddress address() {
        return address;
    }

    public SwimEngine engine() {
        return engine;
    }

    public GossipListener listener() {
        return listener;
    }

    /** Drop counters of this member's engine (bad ids, unexpected bodies, channel failures...). */
    public WireCounters counters() {
        return counters;
    }

    public boolean killed() {
        return killed;
    }

    public boolean hung() {
        return hung;
    }

    /** Neither killed nor hung. */
    public boolean up() {
        return !killed && !hung;
    }

    /** Datagram bytes sent (protobuf size plus the envelope overhead, as on the wire), lost ones included. */
    public long udpBytesSent() {
        return udpBytesSent;
    }

    public long udpBytesReceived() {
        return udpBytesReceived;
    }

    /** Stream bytes sent (requests and replies, each with its envelope and 4-byte length prefix). */
    public long streamBytesSent() {
        return streamBytesSent;
    }

    public long streamBytesReceived() {
        return streamBytesReceived;
    }

    /** Datagrams, stream requests and stream replies sent. */
    public long packetsSent() {
        return packetsSent;
    }

    /**
     * Full CRDT channel states this member put on the wire (in push-pull and channel-push requests and replies), and
     * the encoded state bytes inside them (part of {@link #streamBytesSent()}).
     */
    public long channelStatesSent() {
        return channelStatesSent;
    }

    public long channelStateBytesSent() {
        return channelStateBytesSent;
    }

    /**
     * Channel deltas this member put on the wire: each copy piggybacked on a datagram or sent alone over a stream
     * counts (a delta relayed to many members counts many times), and the delta bytes inside them.
     */
    public long deltasSent() {
        return deltasSent;
    }

    public long deltaBytesSent() {
        return deltaBytesSent;
    }

    public long bytesSent() {
        return udpBytesSent + streamBytesSent;
    }

    @Override
    public String toString() {
        return "SimMember[" + id + (killed ? ", killed" : "") + (hung ? ", hung" : "") + "]";
    }
}
