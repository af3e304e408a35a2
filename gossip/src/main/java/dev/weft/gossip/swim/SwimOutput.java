package dev.weft.gossip.swim;

import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;

/** What the engine asks of the world. Called on the engine's thread; implementations must not block. */
public interface SwimOutput {
    /** Send one datagram (the packet fits the UDP cap; the driver seals it). Best effort. */
    void send(InetSocketAddress to, Packet packet);

    /**
     * Open a stream to {@code to}, send {@code request}, and call {@code onReply} on the engine thread with the
     * answer, or with null on any failure or timeout (connect included). Must be called back exactly once.
     */
    void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply);

    /** Receives a stream reply (null on failure/timeout) with the monotonic time it is delivered at. */
    @FunctionalInterface
    interface ReplyHandler {
        void onReply(Packet replyOrNull, long nowNanos);
    }

    /** A member entered a new state ({@code previous} is null for a member not known before). */
    default void memberChanged(MemberView member, MemberState previous) {}

    /** A live member published a new record. */
    default void recordChanged(MemberView member) {}

    /** A point-to-point message for us arrived. */
    default void messageReceived(PeerId from, String topic, byte[] payload) {}
}
