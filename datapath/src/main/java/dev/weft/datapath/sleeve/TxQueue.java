package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The sender side of one TUN queue: read packets (up to 64 KiB GSO frames with a virtio header), find the peer by
 * longest prefix, frame (VXLAN or sealed) into one reused buffer, segment GSO frames once into MSS-sized datagrams laid
 * out back to back, and send them at once (one UDP GSO send per batch of segments, see {@link UdpSender}).
 *
 * <p>It is an epoll handle registered on the event loop of the queue's UDP socket, so one thread serves both
 * directions of a queue from one {@code epoll_wait}: no thread wakes another for a packet, and the answer to a packet
 * just written into the TUN device (an ICMP echo reply, a TCP ACK: the kernel queues it during that write) is read in
 * the loop's next round without sleeping (issue 17: every hand-off between threads cost a wake-up on the latency
 * path). Level-triggered: a round reads at most {@link #BUDGET_BYTES}, so the socket's receive side gets its turn
 * beside a bulk flow and epoll reports what is left.
 */
final class TxQueue implements EpollIoHandle {
    static final int SCRATCH = VnetHdr.SIZE + 65536;
    /** Bytes read from the TUN queue per event-loop round (about two GSO frames); then the other direction runs. */
    static final int BUDGET_BYTES = 128 << 10;

    private static final int IP = VnetHdr.SIZE;
    private static final int MAX_GSO_PAYLOAD = 65000;
    private static final int MAX_GSO_SEGMENTS = 64;

    private final SleeveBackend backend;
    private final SleeveCounters counters;
    private final boolean encrypted;
    private final int header;
    private final int trailer;
    private final int vni;
    private final byte[] ownMac;
    private final long ownId;
    private final long rekeyMillis;
    private final long rekeyPackets;
    private final PacketCipher cipher;
    private final boolean[] rekeyed = new boolean[1];
    private final FileDescriptor tunFd;
    private final Arena arena = Arena.ofShared();
    private final ByteBuf out = Unpooled.directBuffer(OUT, OUT);
    private final ByteBuf scratch = Unpooled.directBuffer(SCRATCH, SCRATCH);
    private final MemorySegment into = MemorySegment.ofBuffer(scratch.nioBuffer(0, SCRATCH));
    private final TunDevice.Queue tq;
    private final UdpSender sender;
    private boolean released;

    /** The framed datagrams of one TUN frame: at most 65000 bytes of segments, or one packet of up to 64 KiB. */
    static final int OUT = 2 * 65536;

    TxQueue(SleeveBackend backend, int q, int socketFd) {
        this.backend = backend;
        this.counters = backend.counter();
        SleeveConfig c = backend.config();
        this.encrypted = c.encrypted();
        this.header = encrypted ? SealedFrame.HEADER : VxlanFrame.OVERHEAD;
        this.trailer = encrypted ? SealedFrame.TAG : 0;
        this.vni = c.vni();
        this.ownMac = c.ownVtepMac().bytes();
        this.ownId = c.ownPeerId();
        this.rekeyMillis = encrypted ? c.crypto().rekeyAfter().toMillis() : 0;
        this.rekeyPackets = encrypted ? c.crypto().rekeyAfterPackets() : 0;
        this.cipher = encrypted ? new PacketCipher() : null;
        this.tq = backend.tun().queue(q, arena);
        this.tunFd = new FileDescriptor(backend.tun().fd(q)); // owned by the TUN device, never closed here
        this.sender = new UdpSender(socketFd, arena);
    }

    @Override
    public FileDescriptor fd() {
        return tunFd;
    }

    /** The TUN queue is readable (or failed): read up to {@link #BUDGET_BYTES} and send what was read. */
    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (released) return;
        drain();
    }

    /** Reads and sends frames until the queue is empty or this round's budget is spent; returns the bytes read. */
    int drain() {
        long now = backend.clock().millis();
        int bytes = 0;
        while (bytes < BUDGET_BYTES) {
            long n = tq.read(into);
            if (n == 0) break;
            if (n < 0) {
                counters.inc(SleeveCounter.TUN_READ_ERRORS);
                break;
            }
            onFrame(scratch, (int) n, now);
            bytes += (int) n;
        }
        return bytes;
    }

    /** Frees the buffers; call on the event loop after the registration is cancelled. */
    void release() {
        if (released) return;
        released = true;
        scratch.release();
        out.release();
        arena.close();
    }

    @Override
    public void close() {
        // the TUN device and the registration are closed by the backend (it owns both)
    }

    /**
     * Handles one frame read from the TUN device (virtio header at 0, IP packet at 10): IPv4 goes to the peer owning
     * its destination (bytes 16-19), IPv6 to the peer owning its destination (bytes 24-39).
     */
    void onFrame(ByteBuf f, int n, long nowMillis) {
        int len = n - IP;
        int version = len < 20 ? 0 : f.getUnsignedByte(IP) >>> 4;
        PeerState peer;
        if (version == 4) {
            peer = backend.route(f.getInt(IP + 16));
        } else if (version == 6 && len >= 40) {
            peer = backend.route6(f.getLong(IP + 24), f.getLong(IP + 32));
        } else {
            counters.inc(SleeveCounter.TX_BAD_PACKET);
            return;
        }
        if (peer == null) {
            counters.inc(SleeveCounter.TX_NO_PEER);
            return;
        }
        PeerSessions.TxSession session = null;
        if (encrypted) {
            if (peer.sessions == null) {
                counters.inc(SleeveCounter.TX_NO_KEY);
                return;
            }
            rekeyed[0] = false;
            session = peer.sessions.txSession(nowMillis, rekeyMillis, rekeyPackets, backend.sessionClock(), rekeyed);
            if (rekeyed[0]) counters.inc(SleeveCounter.REKEYS);
        }
        int flags = f.getUnsignedByte(0);
        int gsoType = f.getUnsignedByte(1) & ~VnetHdr.GSO_ECN;
        if (gsoType == VnetHdr.GSO_NONE) {
            if ((flags & VnetHdr.F_NEEDS_CSUM) != 0) {
                int start = f.getUnsignedShortLE(6);
                int off = f.getUnsignedShortLE(8);
                if (start + off + 2 > len) {
                    counters.inc(SleeveCounter.TX_BAD_PACKET);
                    return;
                }
                Checksums.completePartial(f, IP + start, IP + len, off);
            }
            out.setBytes(header, f, IP, len);
            int dlen = frame(out, 0, len, peer, session, version);
            if (send(0, dlen, peer, 0, 1)) {
                counters.inc(SleeveCounter.TX_PACKETS);
                counters.add(SleeveCounter.TX_BYTES, len);
            }
        } else if (gsoType == VnetHdr.GSO_TCPV4 || gsoType == VnetHdr.GSO_TCPV6) {
            segment(f, len, f.getUnsignedShortLE(4), peer, session, version);
        } else {
            counters.inc(SleeveCounter.TX_BAD_PACKET);
        }
    }

    /** Writes the framing header (and seals) for an inner packet at {@code at + header}; returns datagram length. */
    private int frame(ByteBuf out, int at, int innerLen, PeerState peer, PeerSessions.TxSession s, int ipVersion) {
        if (!encrypted) {
            VxlanFrame.writeHeader(out, at, vni, peer.vtepMac, ownMac, ipVersion);
            return header + innerLen;
        }
        long counter = s.counter.getAndIncrement();
        out.setInt(at, SealedFrame.TYPE_DATA_V2 << 24 | s.keyId);
        out.setLong(at + SealedFrame.OFF_SENDER, ownId);
        out.setLong(at + SealedFrame.OFF_SESSION_START, s.startMillis);
        out.setInt(at + SealedFrame.OFF_SESSION_RANDOM, s.random);
        out.setLong(at + SealedFrame.OFF_COUNTER, counter);
        return cipher.seal(out, at, innerLen, s.key, counter);
    }

    private void segment(ByteBuf f, int len, int mss, PeerState peer, PeerSessions.TxSession session, int version) {
        int hdrLen = TsoSegmenter.headerLength(f, IP, len);
        if (hdrLen < 0 || mss == 0) {
            counters.inc(SleeveCounter.TX_BAD_PACKET);
            return;
        }
        counters.inc(SleeveCounter.TX_GSO_FRAMES);
        int payload = len - hdrLen;
        int total = TsoSegmenter.segments(payload, mss);
        int stride = header + hdrLen + mss + trailer;
        int perSend = Math.max(1, Math.min(MAX_GSO_SEGMENTS, MAX_GSO_PAYLOAD / stride));
        boolean gso = backend.gso();
        for (int first = 0; first < total; first += perSend) {
            int k = Math.min(perSend, total - first);
            int end = 0;
            int bytes = 0;
            for (int j = 0; j < k; j++) {
                // without UDP GSO each datagram is framed and sent alone at the start of the buffer
                int at = gso ? j * stride : 0;
                int segLen = TsoSegmenter.writeSegment(f, IP, len, hdrLen, mss, first + j, out, at + header);
                int dlen = frame(out, at, segLen, peer, session, version);
                end = at + dlen;
                bytes += segLen;
                if (!gso && send(0, dlen, peer, 0, 1)) {
                    counters.inc(SleeveCounter.TX_PACKETS);
                    counters.add(SleeveCounter.TX_BYTES, segLen);
                }
            }
            if (gso && send(0, end, peer, k == 1 ? 0 : stride, k)) {
                counters.add(SleeveCounter.TX_PACKETS, k);
                counters.add(SleeveCounter.TX_BYTES, bytes);
            }
        }
    }

    /** Sends {@code len} bytes of {@code out} at {@code index}; counts a drop of {@code datagrams} when it fails. */
    private boolean send(int index, int len, PeerState peer, int segment, int datagrams) {
        switch (sender.send(out, index, len, peer.destination, segment)) {
            case SENT -> {
                return true;
            }
            case FULL -> counters.add(SleeveCounter.TX_BACKPRESSURE, datagrams);
            case ERROR -> counters.add(SleeveCounter.TX_SEND_ERRORS, datagrams);
        }
        return false;
    }
}
