package dev.weft.datapath.sleeve;

import dev.weft.ipam.addr.IpAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health probes over the kernel VXLAN path: a UDP socket bound to our VTEP address and, with
 * {@code SO_BINDTODEVICE}, to the kernel VXLAN device, so probes and answers always cross the
 * kernel VXLAN path even while the routes to that peer point at the sleeve (the kernel treats the
 * peer's VTEP as on-link on the bound device and uses the static neighbour + FDB entries, which the
 * reconciler must therefore keep for sleeve peers too). Every node answers requests; answers are
 * reported to the {@link Listener} (on the socket's event loop) to be fed into {@link PathHealth}.
 *
 * <pre>
 * probe datagram (20 bytes, big-endian)
 *   0  2  magic 0x5750 ("WP")
 *   2  1  type: 1 request, 2 answer
 *   3  1  version 1
 *   4  8  sender peer id
 *  12  8  sequence number (echoed in the answer)
 * </pre>
 *
 * Probes are not authenticated: a forged answer can at worst keep a broken kernel path selected
 * (the encryption policy does not depend on probes). Malformed datagrams are counted and dropped.
 */
public final class VxlanProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VxlanProbe.class);
    public static final int DEFAULT_PORT = 6773;
    static final int MAGIC = 0x5750;
    static final int REQUEST = 1;
    static final int ANSWER = 2;
    static final int LENGTH = 20;

    /** Receives answers: the peer id in the answer and the echoed sequence number. */
    @FunctionalInterface
    public interface Listener {
        void onAnswer(long peerId, long seq);
    }

    private final long ownPeerId;
    private final int port;
    private final Channel channel;
    private final LongAdder malformed = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();

    private VxlanProbe(long ownPeerId, int port, Channel channel) {
        this.ownPeerId = ownPeerId;
        this.port = port;
        this.channel = channel;
    }

    /**
     * Opens the probe socket in the calling thread's namespace on {@code vtepAddress:port}, bound to
     * {@code vxlanDevice}. Throws {@link TunException} (ENODEV) when the VXLAN device does not exist.
     */
    public static VxlanProbe start(
            long ownPeerId,
            IpAddress vtepAddress,
            String vxlanDevice,
            int port,
            EventLoopGroup group,
            Listener listener) {
        Handler h = new Handler(ownPeerId, listener);
        Bootstrap b = new Bootstrap()
                .group(group)
                .channelFactory((io.netty.channel.ChannelFactory<EpollDatagramChannel>) () -> {
                    EpollDatagramChannel ch = new EpollDatagramChannel(SocketProtocolFamily.INET);
                    TunSys.bindToDevice(ch.fd().intValue(), vxlanDevice);
                    return ch;
                })
                .handler(h);
        Channel ch;
        try {
            ch = b.bind(new InetSocketAddress(vtepAddress.toInetAddress(), port))
                    .sync()
                    .channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted binding the VXLAN probe socket", e);
        }
        VxlanProbe p = new VxlanProbe(ownPeerId, port, ch);
        h.owner = p;
        LOG.info("vxlan probe listening vtep={} port={} device={}", vtepAddress, port, vxlanDevice);
        return p;
    }

    /** Sends probe {@code seq} to the peer's VTEP address; false if it could not be queued. */
    public boolean send(IpAddress peerVtep, long seq) {
        if (!channel.isActive()) return false;
        ByteBuf buf = channel.alloc().directBuffer(LENGTH);
        encode(buf, REQUEST, ownPeerId, seq);
        channel.writeAndFlush(new DatagramPacket(buf, new InetSocketAddress(peerVtep.toInetAddress(), port)))
                .addListener(f -> {
                    if (!f.isSuccess()) sendErrors.increment();
                });
        return true;
    }

    static void encode(ByteBuf buf, int type, long peerId, long seq) {
        buf.writeShort(MAGIC).writeByte(type).writeByte(1).writeLong(peerId).writeLong(seq);
    }

    public long malformed() {
        return malformed.sum();
    }

    public long answered() {
        return answered.sum();
    }

    public long sendErrors() {
        return sendErrors.sum();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2000);
    }

    static final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
        private final long ownPeerId;
        private final Listener listener;
        VxlanProbe owner;

        Handler(long ownPeerId, Listener listener) {
            this.ownPeerId = ownPeerId;
            this.listener = listener;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket pkt) {
            ByteBuf b = pkt.content();
            int i = b.readerIndex();
            if (b.readableBytes() != LENGTH || b.getUnsignedShort(i) != MAGIC || b.getUnsignedByte(i + 3) != 1) {
                if (owner != null) owner.malformed.increment();
                return;
            }
            int type = b.getUnsignedByte(i + 2);
            long peer = b.getLong(i + 4);
            long seq = b.getLong(i + 12);
            if (type == REQUEST) {
                ByteBuf out = ctx.alloc().directBuffer(LENGTH);
                encode(out, ANSWER, ownPeerId, seq);
                ctx.writeAndFlush(new DatagramPacket(out, pkt.sender()));
            } else if (type == ANSWER) {
                if (owner != null) owner.answered.increment();
                listener.onAnswer(peer, seq);
            } else if (owner != null) {
                owner.malformed.increment();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (owner != null) owner.sendErrors.increment();
        }
    }
}
