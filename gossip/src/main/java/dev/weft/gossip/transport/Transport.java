package dev.weft.gossip.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How gossip moves bytes: datagrams for probes and piggybacked updates, and one-shot request/reply streams for
 * push-pull, channel pushes and messages. Implementations: {@link NettyTransport} (epoll UDP + TCP) and
 * {@link InMemoryTransport} (tests). Bytes are opaque here: sealing, limits by kind and counting drops belong to
 * the caller; a transport only enforces its configured maximum sizes.
 */
public interface Transport {
    /** Bind and start delivering to {@code receiver}; completes when bound. */
    CompletableFuture<Void> start(Receiver receiver);

    /** Best-effort datagram. Never blocks, never throws for network errors. */
    void sendDatagram(InetSocketAddress to, byte[] data);

    /**
     * Open a stream to {@code to}, send one request frame, read one reply frame. Completes exceptionally when the
     * whole exchange (connect included) takes longer than {@code timeout}, or on any error.
     */
    CompletableFuture<byte[]> exchange(InetSocketAddress to, byte[] request, Duration timeout);

    /** Where we are bound (the real port if 0 was asked for). Valid after start. */
    InetSocketAddress localAddress();

    /** Unbind; completes when sockets are closed. */
    CompletableFuture<Void> close();

    /** Incoming traffic. Called on transport threads; must not block. */
    interface Receiver {
        void onDatagram(InetSocketAddress from, byte[] data);

        /**
         * One request frame arrived on a stream; complete the result with the reply frame, or with null /
         * exceptionally to close the stream without one.
         */
        CompletableFuture<byte[]> onStream(InetSocketAddress from, byte[] request);
    }
}
