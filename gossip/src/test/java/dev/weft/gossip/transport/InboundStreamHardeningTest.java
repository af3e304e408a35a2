package dev.weft.gossip.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.Keyring;
import dev.weft.gossip.wire.Opener;
import dev.weft.gossip.wire.ReplayGuard;
import dev.weft.gossip.wire.Sealer;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.Packet;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 3 on real sockets (loopback, epoll): a stranger at 127.0.0.2 opens 20 connections, sends garbage
 * headers and frames announcing more than the cap; every one is refused or closed without its body being read,
 * counted by reason, while a legitimate member at 127.0.0.1 still exchanges.
 */
class InboundStreamHardeningTest {
    private static final int MAX_FRAME = 256 << 10;
    private static final Duration DEADLINE = Duration.ofMillis(1500);
    private static final byte[] SECRET = "hardening-test-secret-0123456789".getBytes(StandardCharsets.US_ASCII);
    private static final InetAddress STRANGER = addr("127.0.0.2");

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final WireCounters serverCounters = new WireCounters();
    private final Keyring keyring = Keyring.withSecrets("hardening", List.of(SECRET));
    private final Opener opener =
            new Opener(keyring, Clock.systemUTC(), new ReplayGuard(60_000, 1024), new WireCounters());
    private final Sealer sealer = Sealer.create(keyring, Clock.systemUTC(), new SecureRandom());
    private final AtomicInteger requestsSeen = new AtomicInteger();
    private final List<Socket> sockets = new ArrayList<>();
    private NettyTransport server;
    private NettyTransport client;

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private InetSocketAddress start() throws Exception {
        server = new NettyTransport(
                group,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                1400,
                MAX_FRAME,
                DEADLINE,
                64,
                8,
                opener::checkHeader,
                serverCounters);
        server.start(new Transport.Receiver() {
                    @Override
                    public void onDatagram(InetSocketAddress from, byte[] data) {}

                    @Override
                    public CompletableFuture<byte[]> onStream(InetSocketAddress from, byte[] request) {
                        requestsSeen.incrementAndGet();
                        return CompletableFuture.completedFuture(request); // echo
                    }
                })
                .get(5, TimeUnit.SECONDS);
        client = new NettyTransport(
                group,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                1400,
                MAX_FRAME,
                DEADLINE,
                64,
                8,
                opener::checkHeader,
                new WireCounters());
        return server.localAddress();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (client != null) {
            client.close().get(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close().get(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private Socket connect(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(STRANGER, 0));
        s.connect(to, 2000);
        s.setSoTimeout((int) DEADLINE.toMillis() + 3000);
        return s;
    }

    /** True once the server closed the stream (EOF or reset) without answering. */
    private static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private byte[] validEnvelope(int bodyPadding) {
        Packet p = Packet.newBuilder()
                .setSenderId("00000000000000a1")
                .setSentAtMillis(System.currentTimeMillis())
                .build();
        byte[] e = sealer.seal(p, MAX_FRAME - 4);
        return bodyPadding == 0 ? e : Arrays.copyOf(e, e.length + bodyPadding);
    }

    private static byte[] frame(int announcedLength, byte[] envelopeStart) {
        return ByteBuffer.allocate(4 + envelopeStart.length)
                .putInt(announcedLength)
                .put(envelopeStart)
                .array();
    }

    private long dropped(DropReason r) {
        return serverCounters.dropped(r);
    }

    @Test
    void strangersAreRefusedBeforeTheirBodiesAreReadWhileAMemberStillExchanges() throws Exception {
        InetSocketAddress to = start();

        // 20 idle connections from one source: 8 admitted (and later closed by the deadline), 12 refused at accept
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idle.add(connect(to));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> dropped(DropReason.STREAM_SOURCE_LIMIT) == 12);

        // a legitimate member (another source address) still exchanges while the stranger holds its 8 slots
        byte[] request = validEnvelope(0);
        byte[] reply = client.exchange(to, request, Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS);
        assertThat(reply).isEqualTo(request);

        // the 8 admitted idle connections are closed by the absolute deadline, not kept open by anything
        for (Socket s : idle) {
            assertThat(closedByServer(s)).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> dropped(DropReason.STREAM_DEADLINE) == 8);

        // garbage headers announcing a frame at the cap: closed after 28 bytes, the body never read
        byte[] valid = validEnvelope(0);
        byte[] badMagic = valid.clone();
        badMagic[0] = 'X';
        byte[] foreign = valid.clone();
        foreign[4] ^= 1;
        byte[] unknownKey = valid.clone();
        unknownKey[8] ^= 1;
        int announced = MAX_FRAME - 4;
        List<Socket> garbage = new ArrayList<>();
        for (byte[] head : List.of(badMagic, foreign, unknownKey)) {
            Socket s = connect(to);
            s.getOutputStream().write(frame(announced, Arrays.copyOf(head, 24)));
            garbage.add(s);
        }
        // a valid header, but announcing more than the cap (a 1 GiB frame)
        Socket huge = connect(to);
        huge.getOutputStream().write(frame(1 << 30, Arrays.copyOf(valid, 24)));
        garbage.add(huge);
        for (Socket s : garbage) {
            assertThat(closedByServer(s)).isTrue();
        }
        assertThat(dropped(DropReason.BAD_MAGIC)).isEqualTo(1);
        assertThat(dropped(DropReason.FOREIGN_CLUSTER)).isEqualTo(1);
        assertThat(dropped(DropReason.UNKNOWN_KEY)).isEqualTo(1);
        assertThat(dropped(DropReason.OVERSIZED)).isEqualTo(1);

        // a stranger that keeps writing body after a bad header: the server has closed, its writes fail
        Socket writer = connect(to);
        OutputStream out = writer.getOutputStream();
        out.write(frame(announced, Arrays.copyOf(badMagic, 24)));
        assertThat(closedByServer(writer)).isTrue();
        assertThat(dropped(DropReason.BAD_MAGIC)).isEqualTo(2);

        assertThat(requestsSeen)
                .as("only the member's request reached the receiver")
                .hasValue(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.openInboundStreams() == 0);

        // and the member still exchanges after the attack, with every slot given back
        byte[] again = validEnvelope(100);
        assertThat(client.exchange(to, again, Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS))
                .isEqualTo(again);
    }

    @Test
    void aValidFrameFollowedByMoreBytesIsUnexpected() throws Exception {
        InetSocketAddress to = start();
        Socket s = connect(to);
        byte[] env = validEnvelope(0);
        byte[] twice = ByteBuffer.allocate(2 * (4 + env.length))
                .putInt(env.length)
                .put(env)
                .putInt(env.length)
                .put(env)
                .array();
        s.getOutputStream().write(twice);
        await().atMost(Duration.ofSeconds(5)).until(() -> dropped(DropReason.UNEXPECTED) == 1);
        assertThat(requestsSeen).hasValue(1);
    }
}
