package dev.weft.gossip.transport;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.WireCounters;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Netty 4.2 epoll transport: one UDP socket and one TCP listener on the same port. TCP streams carry exactly one
 * request frame and one reply frame (4-byte big-endian length prefix, capped at {@code maxFrame}), then close.
 * Every wait is bounded: client connect and the whole exchange by the caller's timeout; on the server side every
 * accepted stream has an absolute deadline ({@code serverDeadline}, from accept to reply written), not only an
 * idle timeout. The event loop group comes from the caller
 * (an epoll group: {@code new MultiThreadIoEventLoopGroup(n, EpollIoHandler.newFactory())}).
 *
 * <p>Nothing a stranger sends is buffered before its header is checked: inbound streams are admitted at accept
 * by {@link InboundStreamGate} (global and per-source-address limits), and {@link InboundFrameDecoder} reads the
 * length prefix and the envelope header first and closes the stream on a bad one (see there). Traffic is counted
 * by the caller; this class counts what it drops itself ({@code oversized}, {@code malformed}, the header
 * reasons, {@code stream_limit}, {@code stream_source_limit}, {@code stream_deadline}, {@code unexpected}).
 */
public final class NettyTransport implements Transport {
    private final EventLoopGroup group;
    private final InetSocketAddress bind;
    private final int maxDatagram;
    private final int maxFrame;
    private final Duration serverDeadline;
    private final WireCounters counters;
    private final InboundStreamGate gate;
    private final Function<byte[], DropReason> headerCheck;
    private volatile Channel udp;
    private volatile Channel tcp;
    private volatile Receiver receiver;

    /**
     * @param maxFrame                   cap of a stream frame, 4-byte length prefix included
     * @param serverDeadline             absolute deadline of an inbound stream, from accept to reply written
     * @param maxInboundStreams          inbound streams open at once, all sources together
     * @param maxInboundStreamsPerSource inbound streams open at once from one source address
     * @param headerCheck                why an envelope header ({@link Envelope#HEADER_LENGTH} bytes) is refused,
     *                                   or null to read the body (e.g. {@code Opener::checkHeader})
     */
    public NettyTransport(
            EventLoopGroup group,
            InetSocketAddress bind,
            int maxDatagram,
            int maxFrame,
            Duration serverDeadline,
            int maxInboundStreams,
            int maxInboundStreamsPerSource,
            Function<byte[], DropReason> headerCheck,
            WireCounters counters) {
        this.group = group;
        this.bind = bind;
        this.maxDatagram = maxDatagram;
        this.maxFrame = maxFrame;
        this.serverDeadline = serverDeadline;
        this.gate = new InboundStreamGate(maxInboundStreams, maxInboundStreamsPerSource);
        this.headerCheck = headerCheck;
        this.counters = counters;
    }

    @Override
    public CompletableFuture<Void> start(Receiver r) {
        this.receiver = r;
        CompletableFuture<Void> done = new CompletableFuture<>();
        ServerBootstrap sb = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress source = ch.remoteAddress().getAddress();
                        DropReason refused = gate.admit(source);
                        if (refused != null) {
                            counters.drop(refused);
                            ch.config().setAutoRead(false);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> gate.release(source));
                        ch.pipeline()
                                .addLast(
                                        new InboundFrameDecoder(maxFrame, headerCheck, counters),
                                        new LengthFieldPrepender(4),
                                        new ServerHandler());
                    }
                });
        sb.bind(bind).addListener(f -> {
            if (!f.isSuccess()) {
                done.completeExceptionally(
                        new IOException("cannot bind gossip TCP " + bind + ": " + f.cause(), f.cause()));
                return;
            }
            tcp = ((io.netty.channel.ChannelFuture) f).channel();
            InetSocketAddress actual = (InetSocketAddress) tcp.localAddress();
            Bootstrap ub = new Bootstrap()
                    .group(group)
                    .channel(EpollDatagramChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_RCVBUF, 1 << 20) // absorb bursts (the kernel caps it at rmem_max)
                    .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagram + 1))
                    .handler(new DatagramHandler());
            ub.bind(new InetSocketAddress(bind.getAddress(), actual.getPort())).addListener(uf -> {
                if (!uf.isSuccess()) {
                    tcp.close();
                    done.completeExceptionally(new IOException(
                            "cannot bind gossip UDP " + bind.getAddress() + ":" + actual.getPort() + ": " + uf.cause(),
                            uf.cause()));
                    return;
                }
                udp = ((io.netty.channel.ChannelFuture) uf).channel();
                done.complete(null);
            });
        });
        return done;
    }

    private final class DatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            // A datagram larger than the cap arrives truncated to maxDatagram + 1 bytes (see the receive
            // allocator); the receiver's size check counts it as oversized.
            receiver.onDatagram(p.sender(), ByteBufUtil.getBytes(p.content()));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            counters.sendFailed(); // e.g. ICMP port unreachable surfaced on the socket; keep going
        }
    }

    /** One request in, one reply out, all within the deadline. */
    private final class ServerHandler extends SimpleChannelInboundHandler<byte[]> {
        private ScheduledFuture<?> deadline;
        private boolean replied;

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            deadline = ctx.executor()
                    .schedule(
                            () -> {
                                if (!replied && ctx.channel().isOpen()) {
                                    counters.drop(DropReason.STREAM_DEADLINE);
                                }
                                ctx.close();
                            },
                            Math.max(1, serverDeadline.toMillis()),
                            TimeUnit.MILLISECONDS);
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (deadline != null) {
                deadline.cancel(false);
            }
            super.channelInactive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, byte[] frame) {
            InetSocketAddress from = (InetSocketAddress) ctx.channel().remoteAddress();
            receiver.onStream(from, frame).whenComplete((reply, err) -> {
                if (err != null || reply == null) {
                    ctx.close();
                } else {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(reply)).addListener(f -> {
                        replied = true;
                        ctx.close();
                    });
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void sendDatagram(InetSocketAddress to, byte[] data) {
        Channel ch = udp;
        if (ch == null || data.length > maxDatagram) {
            counters.sendFailed();
            return;
        }
        ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(data), to)).addListener(f -> {
            if (!f.isSuccess()) {
                counters.sendFailed();
            }
        });
    }

    @Override
    public CompletableFuture<byte[]> exchange(InetSocketAddress to, byte[] request, Duration timeout) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        if (request.length > maxFrame - 4) {
            result.completeExceptionally(new IllegalArgumentException(
                    "request of " + request.length + " bytes exceeds the frame cap " + maxFrame));
            return result;
        }
        long ms = Math.max(1, timeout.toMillis());
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, ms))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new LengthFieldBasedFrameDecoder(maxFrame, 0, 4, 0, 4),
                                        new LengthFieldPrepender(4),
                                        new SimpleChannelInboundHandler<ByteBuf>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                                                result.complete(ByteBufUtil.getBytes(frame));
                                                ctx.close();
                                            }

                                            @Override
                                            public void channelInactive(ChannelHandlerContext ctx) {
                                                result.completeExceptionally(
                                                        new IOException("stream to " + to + " closed without a reply"));
                                            }

                                            @Override
                                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                                if (cause instanceof TooLongFrameException) {
                                                    counters.drop(DropReason.OVERSIZED);
                                                }
                                                result.completeExceptionally(cause);
                                                ctx.close();
                                            }
                                        });
                    }
                });
        io.netty.channel.ChannelFuture cf = b.connect(to);
        Channel ch = cf.channel();
        io.netty.util.concurrent.ScheduledFuture<?> timer = ch.eventLoop()
                .schedule(
                        () -> {
                            if (result.completeExceptionally(
                                    new TimeoutException("no reply from " + to + " within " + timeout))) {
                                ch.close();
                            }
                        },
                        ms,
                        TimeUnit.MILLISECONDS);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
            }
            ch.writeAndFlush(Unpooled.wrappedBuffer(request)).addListener(w -> {
                if (!w.isSuccess()) {
                    result.completeExceptionally(w.cause());
                    ch.close();
                }
            });
        });
        result.whenComplete((r, e) -> timer.cancel(false));
        return result;
    }

    /** Inbound streams open now (admitted and not yet closed). */
    public int openInboundStreams() {
        return gate.open();
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel t = tcp;
        return t == null ? bind : (InetSocketAddress) t.localAddress();
    }

    @Override
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> a = closeChannel(udp);
        CompletableFuture<Void> b = closeChannel(tcp);
        return CompletableFuture.allOf(a, b);
    }

    private static CompletableFuture<Void> closeChannel(Channel ch) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (ch == null) {
            f.complete(null);
        } else {
            ch.close().addListener(x -> f.complete(null));
        }
        return f;
    }
}
