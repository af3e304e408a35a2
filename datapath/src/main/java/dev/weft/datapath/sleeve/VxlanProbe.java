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
 * <p>The datagram format (version 3, 48 bytes) and its authentication are {@link ProbeAuth}'s: with a cluster secret,
 * requests and answers carry a tag under the key of the pair of nodes (sender, receiver), and a node answers only
 * requests tagged by the sender they name and reports only answers tagged by the peer they name that echo this
 * socket's session, so a probe forged by a stranger or by a third node, or replayed, changes no peer's path.
 * Everything dropped is counted by reason ({@link #dropped}), never logged per packet. Tagging and checking allocate
 * nothing ({@link ProbeMac}); what is allocated per probe is Netty's datagram (buffer, packet, address), as before.
 */
public final class VxlanProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VxlanProbe.class);
    public static final int DEFAULT_PORT = 6773;
    static final int MAGIC = ProbeAuth.MAGIC;
    static final int REQUEST = ProbeAuth.REQUEST;
    static final int ANSWER = ProbeAuth.ANSWER;
    static final int LENGTH = ProbeAuth.LENGTH;

    /** Receives answers: the peer id in the answer and the echoed sequence number. */
    @FunctionalInterface
    public interface Listener {
        void onAnswer(long peerId, long seq);
    }

    private final long ownPeerId;
    private final int port;
    private final Channel channel;
    private final Handler handler;
    private final LongAdder answered = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();
    private final LongAdder unkeyed = new LongAdder();
    /** Tags requests; used only by the thread that calls {@link #send}. */
    private final ProbeMac sendMac = new ProbeMac();

    private VxlanProbe(long ownPeerId, int port, Channel channel, Handler handler) {
        this.ownPeerId = ownPeerId;
        this.port = port;
        this.channel = channel;
        this.handler = handler;
    }

    /** Without a cluster secret: probes carry no tag (see {@link ProbeAuth#none}). */
    public static VxlanProbe start(
            long ownPeerId,
            IpAddress vtepAddress,
            String vxlanDevice,
            int port,
            EventLoopGroup group,
            Listener listener) {
        return start(ownPeerId, vtepAddress, vxlanDevice, port, group, listener, ProbeAuth.none());
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
            Listener listener,
            ProbeAuth auth) {
        Handler h = new Handler(ownPeerId, listener, auth, new java.security.SecureRandom().nextLong());
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
        VxlanProbe p = new VxlanProbe(ownPeerId, port, ch, h);
        h.owner = p;
        LOG.info(
                "vxlan probe listening vtep={} port={} device={} authenticated={}",
                vtepAddress,
                port,
                vxlanDevice,
                auth.authenticates());
        return p;
    }

    /**
     * Sends probe {@code seq} to the peer's VTEP address; false if it could not be queued, or if this node has no
     * probe key for the peer yet (its node record with a sleeve key has not arrived: counted, {@link #unkeyed}). Call
     * from one thread at a time.
     */
    public boolean send(long peerId, IpAddress peerVtep, long seq) {
        if (!channel.isActive()) return false;
        ProbeAuth a = handler.auth;
        if (!a.knows(peerId)) {
            unkeyed.increment();
            return false;
        }
        ByteBuf buf = channel.alloc().directBuffer(LENGTH);
        a.write(buf, REQUEST, ownPeerId, peerId, handler.session, seq, sendMac);
        channel.writeAndFlush(new DatagramPacket(buf, new InetSocketAddress(peerVtep.toInetAddress(), port)))
                .addListener(f -> {
                    if (!f.isSuccess()) sendErrors.increment();
                });
        return true;
    }

    /**
     * Replaces the keys: the cluster secret file changed (sent under the new primary, accepted under any), or the peers
     * or their sleeve keys did ({@link ProbeAuth#withPeers}).
     */
    public void setAuth(ProbeAuth auth) {
        handler.auth = auth;
    }

    public long malformed() {
        return dropped(ProbeAuth.Drop.MALFORMED);
    }

    /** Received probes dropped for this reason. */
    public long dropped(ProbeAuth.Drop reason) {
        return handler.drops[reason.ordinal()].sum();
    }

    public long answered() {
        return answered.sum();
    }

    public long sendErrors() {
        return sendErrors.sum();
    }

    /** Probes not sent because this node had no probe key for the peer (no sleeve key known for it yet). */
    public long unkeyed() {
        return unkeyed.sum();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2000);
    }

    static final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
        private final long ownPeerId;
        private final Listener listener;
        final long session;
        final LongAdder[] drops = new LongAdder[ProbeAuth.Drop.values().length];
        /** Checks probes and tags answers; used only on the socket's event loop. */
        private final ProbeMac mac = new ProbeMac();

        volatile ProbeAuth auth;
        VxlanProbe owner;

        Handler(long ownPeerId, Listener listener, ProbeAuth auth, long session) {
            this.ownPeerId = ownPeerId;
            this.listener = listener;
            this.auth = auth;
            this.session = session;
            for (int i = 0; i < drops.length; i++) drops[i] = new LongAdder();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket pkt) {
            ByteBuf b = pkt.content();
            int i = b.readerIndex();
            ProbeAuth a = auth;
            ProbeAuth.Drop bad = a.check(b, i, b.readableBytes(), mac);
            if (bad != null) {
                drops[bad.ordinal()].increment();
                return;
            }
            int type = b.getUnsignedByte(i + 2);
            long peer = b.getLong(i + 8);
            long probeSession = b.getLong(i + 16);
            long seq = b.getLong(i + 24);
            if (type == REQUEST) {
                ByteBuf out = ctx.alloc().directBuffer(LENGTH);
                a.write(out, ANSWER, ownPeerId, peer, probeSession, seq, mac); // the check found the peer's key
                ctx.writeAndFlush(new DatagramPacket(out, pkt.sender()));
            } else if (probeSession != session) {
                drops[ProbeAuth.Drop.FOREIGN_SESSION.ordinal()].increment();
            } else {
                if (owner != null) owner.answered.increment();
                listener.onAnswer(peer, seq);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (owner != null) owner.sendErrors.increment();
        }
    }
}
