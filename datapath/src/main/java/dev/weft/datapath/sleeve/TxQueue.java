package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sender side of one TUN queue: read packets (up to 64 KiB GSO frames with a virtio header), find the peer by
 * longest prefix, frame (VXLAN or sealed) into one reused buffer, segment GSO frames once into MSS-sized datagrams laid
 * out back to back, and send them at once from the calling thread (one UDP GSO send per batch of segments, see {@link
 * UdpSender}). No hand-off to another thread and no batching timer: a packet leaves before the next one is read.
 *
 * <p>Two readers share a queue, each with its own instance (buffers, cipher): the queue's {@link TunReader} thread,
 * and the socket's event loop right after it wrote packets into the TUN device ({@link #drainNow}): the kernel answers
 * such a packet during that write (an ICMP echo reply, a TCP ACK), so the loop sends the answer at once instead of
 * waking the reader thread (issue 17: that wake-up was on the latency path of every round trip). The event loop only
 * does so while the reader thread sleeps: beside a bulk flow the reader is busy and keeps the flow's frames, so the
 * loop's own work (receiving) is not held up. Both read under the queue's {@link Gate}, so frames leave in the order
 * they were read.
 */
final class TxQueue {
    /** What the readers of one TUN queue share: who is reading, and whether the reader thread waits in poll. */
    static final class Gate {
        final ReentrantLock lock = new ReentrantLock();
        volatile boolean readerWaiting;
    }

    static final int SCRATCH = VnetHdr.SIZE + 65536;

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
    private final Gate gate;
    private final Arena arena = Arena.ofShared();
    private final ByteBuf out = Unpooled.directBuffer(OUT, OUT);
    private final ByteBuf scratch = Unpooled.directBuffer(SCRATCH, SCRATCH);
    private final MemorySegment into = MemorySegment.ofBuffer(scratch.nioBuffer(0, SCRATCH));
    private final TunDevice.Queue tq;
    private final UdpSender sender;
    private boolean released;

    /** The framed datagrams of one TUN frame: at most 65000 bytes of segments, or one packet of up to 64 KiB. */
    static final int OUT = 2 * 65536;

    /** A reader of TUN queue {@code q} sending on {@code socketFd}; readers of one queue share {@code readLock}. */
    TxQueue(SleeveBackend backend, int q, int socketFd, Gate gate) {
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
        this.gate = gate;
        this.tq = backend.tun().queue(q, arena);
        this.sender = new UdpSender(socketFd, arena);
    }

    /** The reader thread waits up to {@code timeoutMillis} for the queue to be readable. */
    boolean awaitReadable(int timeoutMillis) {
        gate.readerWaiting = true;
        try {
            return tq.awaitReadable(timeoutMillis);
        } finally {
            gate.readerWaiting = false;
        }
    }

    /** The reader thread reads and sends up to {@code maxFrames} frames (waiting for the gate). */
    int drain(int maxFrames) {
        gate.lock.lock();
        try {
            return drainLocked(maxFrames);
        } finally {
            gate.lock.unlock();
        }
    }

    /**
     * The event loop reads and sends up to {@code maxFrames} frames if the reader thread is asleep and nobody else is
     * at the queue (otherwise the reader sends them); returns how many.
     */
    int drainNow(int maxFrames) {
        if (!gate.readerWaiting || !gate.lock.tryLock()) return 0;
        try {
            return drainLocked(maxFrames);
        } finally {
            gate.lock.unlock();
        }
    }

    private int drainLocked(int maxFrames) {
        if (released) return 0;
        long now = backend.clock().millis();
        int frames = 0;
        while (frames < maxFrames) {
            long n = tq.read(into);
            if (n == 0) break;
            if (n < 0) {
                counters.inc(SleeveCounter.TUN_READ_ERRORS);
                break;
            }
            onFrame(scratch, (int) n, now);
            frames++;
        }
        return frames;
    }

    /** Frees the buffers; only by the thread that drains (or after it stopped). */
    void release() {
        if (released) return;
        released = true;
        scratch.release();
        out.release();
        arena.close();
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
