package dev.weft.gossip;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimOutput;
import dev.weft.gossip.transport.Transport;
import dev.weft.gossip.wire.PacketTooLargeException;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates between the engine and the wire: bytes in from the transport are opened and handed to the engine on
 * the node's executor ({@link Transport.Receiver}); what the engine emits is sealed and sent, and its events are
 * logged and passed to the listener ({@link SwimOutput}). No protocol logic here.
 */
final class EngineIo implements Transport.Receiver, SwimOutput {
    private static final Logger log = LoggerFactory.getLogger(GossipNode.class);
    private final GossipNode node;
    private final GossipConfig config;

    EngineIo(GossipNode node) {
        this.node = node;
        this.config = node.config;
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void onDatagram(InetSocketAddress from, byte[] data) {
        if (node.isClosed()) {
            return;
        }
        node.counters.received(data.length);
        Packet p = node.opener.open(data, config.maxUdpPayload());
        if (p != null) {
            node.run(() -> {
                if (node.engine() != null) {
                    node.engine().onPacket(from, p, node.now());
                }
            });
        }
    }

    @Override
    public CompletableFuture<byte[]> onStream(InetSocketAddress from, byte[] request) {
        node.counters.received(request.length + 4);
        Packet p = node.isClosed() ? null : node.opener.open(request, config.maxStreamFrameBytes());
        if (p == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        node.onLoop(reply, () -> {
            Packet answer = node.engine().onStreamRequest(from, p, node.now());
            try {
                byte[] b = node.sealer.seal(answer, config.maxStreamFrameBytes() - 4);
                node.counters.sent(b.length + 4);
                reply.complete(b);
            } catch (PacketTooLargeException e) {
                node.counters.sendFailed();
                log.warn(
                        "gossip reply too large for a stream frame peer={} to={}: {}; raise maxStreamFrameBytes",
                        config.memberId(),
                        from,
                        e.getMessage());
                reply.complete(null);
            }
        });
        return reply;
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void send(InetSocketAddress to, Packet packet) {
        byte[] b;
        try {
            b = node.sealer.seal(packet, config.maxUdpPayload());
        } catch (PacketTooLargeException e) {
            node.counters.sendFailed();
            return;
        }
        node.counters.sent(b.length);
        node.transport.sendDatagram(to, b);
    }

    @Override
    public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
        byte[] b;
        try {
            b = node.sealer.seal(request, config.maxStreamFrameBytes() - 4);
        } catch (PacketTooLargeException e) {
            node.counters.sendFailed();
            log.warn(
                    "gossip request too large for a stream frame peer={} to={}: {}; raise maxStreamFrameBytes",
                    config.memberId(),
                    to,
                    e.getMessage());
            onReply.onReply(null, node.now());
            return;
        }
        node.counters.streamOpened();
        node.counters.sent(b.length + 4);
        node.transport.exchange(to, b, config.streamTimeout()).whenComplete((resp, err) -> {
            Packet p = null;
            if (err == null && resp != null) {
                node.counters.received(resp.length + 4);
                p = node.opener.open(resp, config.maxStreamFrameBytes());
            }
            if (p == null) {
                node.counters.streamFailed();
            }
            Packet reply = p;
            try {
                node.executor.execute(() -> {
                    if (!node.isClosed()) {
                        onReply.onReply(reply, node.now());
                    }
                });
            } catch (RejectedExecutionException e) {
                // shutting down
            }
        });
    }

    @Override
    public void memberChanged(MemberView m, MemberState previous) {
        switch (m.state()) {
            case ALIVE ->
                log.info(
                        "gossip member up peer={} address={} incarnation={} was={}",
                        m.id(),
                        m.address(),
                        m.incarnation(),
                        previous == null ? "unknown" : previous);
            case SUSPECT ->
                log.info(
                        "gossip member suspect peer={} address={} incarnation={}",
                        m.id(),
                        m.address(),
                        m.incarnation());
            case DEAD ->
                log.warn(
                        "gossip member dead peer={} address={} incarnation={}: it stopped answering probes "
                                + "(crashed, hung, or unreachable over UDP/TCP port {})",
                        m.id(),
                        m.address(),
                        m.incarnation(),
                        m.address() == null ? "?" : m.address().getPort());
            case LEFT -> log.info("gossip member left peer={} address={}", m.id(), m.address());
        }
        safely(() -> node.listener.onMemberChanged(m));
    }

    @Override
    public void recordChanged(MemberView m) {
        safely(() -> node.listener.onRecordChanged(m));
    }

    @Override
    public void messageReceived(PeerId from, String topic, byte[] payload) {
        safely(() -> node.listener.onMessage(from, topic, payload));
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("gossip listener failed peer={}", config.memberId(), e);
        }
    }
}
