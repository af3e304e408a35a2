package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.UnixChannel;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The receive side of one sleeve socket: checks a datagram (VXLAN header, or sealed frame
 * authentication + replay window), writes the inner IP packet into the TUN device in place (the
 * 10-byte virtio header is written over the bytes just before the inner packet) and counts every
 * drop. Runs on the channel's event loop; one instance per channel.
 *
 * <p>After a burst of writes into the TUN device it sends what the kernel queued there during those writes (the
 * answer to a ping, the ACK of received TCP data: at most {@link #ANSWER_FRAMES} frames) from this thread, unless the
 * queue's reader thread is at it: one thread wake-up fewer per round trip (issue 17).
 */
final class UdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final SleeveBackend backend;
    private final TunDevice.Queue tun;
    private final SleeveCounters counters;
    private final boolean encrypted;
    private final int vni;
    private final int mtu;
    private PacketCipher cipher;
    private final TcpCoalescer coalescer;
    private final int queue;
    /** Sends answers from this event loop; made when the handler is added (the socket exists then). */
    private TxQueue answers;
    /** Something was written into the TUN device since the last read burst ended. */
    private boolean wrote;

    /** Frames sent from the event loop after a read burst; the rest is the reader thread's (a bulk flow's data). */
    static final int ANSWER_FRAMES = 2;

    UdpHandler(SleeveBackend backend, int queue, TunDevice.Queue tun) {
        super(false);
        this.backend = backend;
        this.queue = queue;
        this.tun = tun;
        this.counters = backend.counter();
        this.encrypted = backend.config().encrypted();
        this.vni = backend.config().vni();
        this.mtu = backend.config().tunMtu();
        this.coalescer = new TcpCoalescer(this::writeTun, mtu);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        answers = backend.loopSender(queue, ((UnixChannel) ctx.channel()).fd().intValue());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        coalescer.flush();
        if (wrote) {
            wrote = false;
            answers.drainNow(ANSWER_FRAMES);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        coalescer.release();
        if (answers != null) answers.release();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket pkt) {
        ByteBuf buf = pkt.content();
        try {
            if (encrypted) {
                onSealed(buf);
            } else {
                onPlain(pkt, buf);
            }
        } finally {
            buf.release();
        }
    }

    private void onPlain(DatagramPacket pkt, ByteBuf buf) {
        if (backend.bySource(pkt.sender().getAddress()) == null) {
            counters.inc(SleeveCounter.RX_UNKNOWN_SENDER);
            return;
        }
        int idx = buf.readerIndex();
        int len = buf.readableBytes();
        switch (VxlanFrame.check(buf, idx, len, vni)) {
            case OK -> toTun(buf, idx + VxlanFrame.OVERHEAD, len - VxlanFrame.OVERHEAD);
            case TOO_SHORT, BAD_FLAGS -> counters.inc(SleeveCounter.RX_MALFORMED);
            case WRONG_VNI -> counters.inc(SleeveCounter.RX_WRONG_VNI);
            case ARP -> counters.inc(SleeveCounter.RX_ARP);
            case NOT_IP -> counters.inc(SleeveCounter.RX_NOT_IP);
        }
    }

    private void onSealed(ByteBuf buf) {
        int idx = buf.readerIndex();
        int len = buf.readableBytes();
        if (len < SealedFrame.OVERHEAD + 20 || (buf.getInt(idx) & 0xffff0000) != SealedFrame.TYPE_DATA_V2 << 24) {
            counters.inc(SleeveCounter.RX_MALFORMED);
            return;
        }
        PeerState peer = backend.byId(buf.getLong(idx + SealedFrame.OFF_SENDER));
        if (peer == null) {
            counters.inc(SleeveCounter.RX_UNKNOWN_SENDER);
            return;
        }
        if (peer.sessions == null) {
            counters.inc(SleeveCounter.RX_NO_KEY);
            return;
        }
        long start = buf.getLong(idx + SealedFrame.OFF_SESSION_START);
        int rnd = buf.getInt(idx + SealedFrame.OFF_SESSION_RANDOM);
        long counter = buf.getLong(idx + SealedFrame.OFF_COUNTER);
        int keyId = buf.getUnsignedShort(idx + SealedFrame.OFF_KEY_ID);
        List<PeerSessions.RxSession> candidates = peer.sessions.rxSessions(start, rnd, keyId);
        if (candidates.isEmpty()) {
            counters.inc(peer.sessions.knowsKey(keyId) ? SleeveCounter.RX_STALE_SESSION : SleeveCounter.RX_UNKNOWN_KEY);
            return;
        }
        if (cipher == null) cipher = new PacketCipher();
        PeerSessions.RxSession s = null;
        int plain = -1;
        for (PeerSessions.RxSession c : candidates) {
            synchronized (c.window) {
                if (!c.window.canAccept(counter)) {
                    counters.inc(SleeveCounter.RX_REPLAY);
                    return;
                }
            }
            // the cipher checks the tag before it writes any plaintext: a wrong candidate leaves the frame intact
            plain = cipher.open(buf, idx, len, c.key, counter);
            if (plain >= 0) {
                s = c;
                break;
            }
        }
        if (s == null) {
            counters.inc(SleeveCounter.RX_AUTH_FAILED);
            return;
        }
        synchronized (s.window) {
            if (!s.window.accept(counter)) {
                counters.inc(SleeveCounter.RX_REPLAY);
                return;
            }
        }
        if (peer.sessions.install(s)) counters.inc(SleeveCounter.RX_SESSIONS);
        int ip = idx + SealedFrame.HEADER;
        if (!fromPeer(peer, buf, ip, plain)) return;
        toTun(buf, ip, plain);
    }

    /**
     * Whether an authenticated inner packet is IP (4 or 6) with a source inside the sender's ranges or VTEP addresses;
     * counts the drop otherwise.
     */
    private boolean fromPeer(PeerState peer, ByteBuf buf, int ip, int len) {
        int version = len < 20 ? 0 : buf.getUnsignedByte(ip) >>> 4;
        boolean known;
        if (version == 4) {
            known = peer.sources.lookup(buf.getInt(ip + 12)) != null;
        } else if (version == 6 && len >= 40) {
            known = peer.sources.lookup6(buf.getLong(ip + 8), buf.getLong(ip + 16)) != null;
        } else {
            counters.inc(SleeveCounter.RX_NOT_IP);
            return false;
        }
        if (!known) counters.inc(SleeveCounter.RX_SPOOFED_SOURCE);
        return known;
    }

    /** Hands the inner packet at {@code ip} (with 10 writable bytes before it) to the coalescer / TUN device. */
    private void toTun(ByteBuf buf, int ip, int len) {
        coalescer.offer(buf, ip, len);
    }

    private void writeTun(ByteBuf buf, int hdr, int ipLen, int segments) {
        long n = tun.write(MemorySegment.ofBuffer(buf.nioBuffer(hdr, ipLen + VnetHdr.SIZE)));
        if (n < 0) {
            counters.add(SleeveCounter.TUN_WRITE_ERRORS, segments);
            return;
        }
        wrote = true;
        counters.add(SleeveCounter.RX_PACKETS, segments);
        counters.add(SleeveCounter.RX_BYTES, ipLen);
        if (segments > 1) counters.inc(SleeveCounter.RX_GRO_FRAMES);
    }

    /**
     * Writes the virtio header for a received inner packet. A kernel VXLAN sender on a veth or
     * offloading NIC may leave the inner TCP/UDP checksum partial (only the pseudo-header sum, the
     * packet was CHECKSUM_PARTIAL when encapsulated), and TUN ignores DATA_VALID. So for unfragmented
     * TCP/UDP over IPv4 the checksum field is reset to the pseudo-header sum and the packet handed over
     * as NEEDS_CSUM (CHECKSUM_PARTIAL): local delivery accepts it, forwarding fills the checksum in.
     * The tunnel is trusted for L4 integrity: the AEAD tag when encrypted, the underlay otherwise.
     *
     * <p>A kernel VXLAN sender on a veth delivers TCP super-frames (its GSO skb is not segmented for
     * a plain UDP socket): a TCP packet longer than the TUN {@code mtu} is handed over as a GSO frame
     * (gso_size = mtu - headers) so the kernel segments or receives it as one, like GRO would.
     *
     * <p>IPv6 the same way ({@link #markChecksumPartialV6}) when TCP or UDP directly follows the fixed header.
     */
    static void markChecksumPartial(ByteBuf buf, int hdr, int ip, int len, int mtu) {
        buf.setLong(hdr + 2, 0L);
        buf.setByte(hdr + 1, VnetHdr.GSO_NONE);
        buf.setByte(hdr, 0);
        int b0 = buf.getUnsignedByte(ip);
        if ((b0 >>> 4) == 6) {
            markChecksumPartialV6(buf, hdr, ip, len, mtu);
            return;
        }
        if ((b0 >>> 4) != 4) return;
        int ihl = (b0 & 0x0f) * 4;
        int proto = buf.getUnsignedByte(ip + 9);
        int frag = buf.getUnsignedShort(ip + 6) & 0x3fff; // MF + offset
        int total = buf.getUnsignedShort(ip + 2);
        if (total == 0 && len > mtu && len <= 0xffff) {
            buf.setShort(ip + 2, len);
            total = len;
        }
        if (frag != 0 || total != len || ihl < 20) return;
        int l4 = len - ihl;
        int offset;
        if (proto == 6 && l4 >= 20) {
            offset = 16;
        } else if (proto == 17 && l4 >= 8) {
            offset = 6;
        } else {
            return;
        }
        buf.setShort(ip + ihl + offset, Checksums.fold(Checksums.pseudoV4(buf, ip, proto, l4)));
        buf.setByte(hdr, VnetHdr.F_NEEDS_CSUM);
        buf.setShortLE(hdr + 6, ihl);
        buf.setShortLE(hdr + 8, offset);
        if (len > mtu && proto == 6) {
            int hdrLen = ihl + (buf.getUnsignedByte(ip + ihl + 12) >>> 4) * 4;
            if (hdrLen < mtu && hdrLen <= len) {
                buf.setByte(hdr + 1, VnetHdr.GSO_TCPV4);
                buf.setShortLE(hdr + 2, hdrLen);
                buf.setShortLE(hdr + 4, mtu - hdrLen);
            }
        }
    }

    /**
     * The IPv6 half of {@link #markChecksumPartial} (virtio header already cleared): only when the next header is TCP
     * or UDP (extension headers and fragments are left for the kernel to verify) and the payload length matches.
     */
    private static void markChecksumPartialV6(ByteBuf buf, int hdr, int ip, int len, int mtu) {
        if (len < 40) return;
        int proto = buf.getUnsignedByte(ip + 6);
        int l4 = len - 40;
        if (buf.getUnsignedShort(ip + 4) != l4) return;
        int offset;
        if (proto == 6 && l4 >= 20) {
            offset = 16;
        } else if (proto == 17 && l4 >= 8) {
            offset = 6;
        } else {
            return;
        }
        buf.setShort(ip + 40 + offset, Checksums.fold(Checksums.pseudoV6(buf, ip, proto, l4)));
        buf.setByte(hdr, VnetHdr.F_NEEDS_CSUM);
        buf.setShortLE(hdr + 6, 40);
        buf.setShortLE(hdr + 8, offset);
        if (len > mtu && proto == 6) {
            int hdrLen = 40 + (buf.getUnsignedByte(ip + 40 + 12) >>> 4) * 4;
            if (hdrLen < mtu && hdrLen <= len) {
                buf.setByte(hdr + 1, VnetHdr.GSO_TCPV6);
                buf.setShortLE(hdr + 2, hdrLen);
                buf.setShortLE(hdr + 4, mtu - hdrLen);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // failed writes with the void promise end up here; count, never log per packet
        counters.inc(SleeveCounter.TX_SEND_ERRORS);
    }
}
