package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;

/**
 * The sender loop of one TUN queue: read a batch of packets (up to 64 KiB GSO frames with a
 * virtio header), find the peer by longest prefix, frame (VXLAN or sealed), segment GSO frames once
 * into MSS-sized datagrams laid out back to back for one UDP GSO send, and hand the batch to the
 * channel's event loop in a single task. Runs on its own platform thread.
 */
final class TxQueue implements Runnable {
    static final int SCRATCH = VnetHdr.SIZE + 65536;
    private static final int IP = VnetHdr.SIZE;
    private static final int MAX_GSO_PAYLOAD = 65000;
    private static final int MAX_GSO_SEGMENTS = 64;

    private final SleeveBackend backend;
    private final int q;
    private final Channel channel;
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
    private final ArrayList<Object> batch = new ArrayList<>(SleeveBackend.BATCH * 2);
    private final boolean[] rekeyed = new boolean[1];

    TxQueue(SleeveBackend backend, int q, Channel channel) {
        this.backend = backend;
        this.q = q;
        this.channel = channel;
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
    }

    @Override
    public void run() {
        ByteBuf scratch = Unpooled.directBuffer(SCRATCH, SCRATCH);
        try (Arena arena = Arena.ofConfined()) {
            TunDevice.Queue tq = backend.tun().queue(q, arena);
            MemorySegment into = MemorySegment.ofBuffer(scratch.nioBuffer(0, SCRATCH));
            while (backend.running()) {
                if (!tq.awaitReadable(100)) continue;
                long now = backend.clock().millis();
                for (int i = 0; i < SleeveBackend.BATCH; i++) {
                    long n = tq.read(into);
                    if (n == 0) break;
                    if (n < 0) {
                        counters.inc(SleeveCounter.TUN_READ_ERRORS);
                        break;
                    }
                    onFrame(scratch, (int) n, now);
                }
                flush();
            }
        } finally {
            scratch.release();
            for (Object o : batch) ReferenceCountUtil.release(o);
            batch.clear();
        }
    }

    /** Handles one frame read from the TUN device (virtio header at 0, IP packet at 10). */
    void onFrame(ByteBuf f, int n, long nowMillis) {
        int len = n - IP;
        if (len < 20 || (f.getUnsignedByte(IP) >>> 4) != 4) {
            counters.inc(SleeveCounter.TX_BAD_PACKET);
            return;
        }
        PeerState peer = backend.route(f.getInt(IP + 16));
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
            ByteBuf out = backend.alloc().directBuffer(header + len + trailer);
            out.setBytes(header, f, IP, len);
            int dlen = frame(out, 0, len, peer, session);
            out.writerIndex(dlen);
            batch.add(new DatagramPacket(out, peer.destination));
            counters.inc(SleeveCounter.TX_PACKETS);
            counters.add(SleeveCounter.TX_BYTES, len);
        } else if (gsoType == VnetHdr.GSO_TCPV4) {
            segment(f, len, f.getUnsignedShortLE(4), peer, session);
        } else {
            counters.inc(SleeveCounter.TX_BAD_PACKET);
        }
    }

    /** Writes the framing header (and seals) for an inner packet at {@code at + header}; returns datagram length. */
    private int frame(ByteBuf out, int at, int innerLen, PeerState peer, PeerSessions.TxSession s) {
        if (!encrypted) {
            VxlanFrame.writeHeader(out, at, vni, peer.vtepMac, ownMac, 4);
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

    private void segment(ByteBuf f, int len, int mss, PeerState peer, PeerSessions.TxSession session) {
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
        for (int first = 0; first < total; first += perSend) {
            int k = Math.min(perSend, total - first);
            ByteBuf out = backend.alloc().directBuffer(k * stride);
            int end = 0;
            int[] lengths = backend.gso() ? null : new int[k];
            for (int j = 0; j < k; j++) {
                int at = j * stride;
                int segLen = TsoSegmenter.writeSegment(f, IP, len, hdrLen, mss, first + j, out, at + header);
                int dlen = frame(out, at, segLen, peer, session);
                end = at + dlen;
                if (lengths != null) lengths[j] = dlen;
                counters.add(SleeveCounter.TX_BYTES, segLen);
            }
            out.writerIndex(end);
            counters.add(SleeveCounter.TX_PACKETS, k);
            if (k == 1) {
                batch.add(new DatagramPacket(out, peer.destination));
            } else if (lengths == null) {
                batch.add(new SegmentedDatagramPacket(out, stride, peer.destination));
            } else {
                for (int j = 0; j < k; j++) {
                    batch.add(new DatagramPacket(out.retainedSlice(j * stride, lengths[j]), peer.destination));
                }
                out.release();
            }
        }
    }

    private void flush() {
        if (batch.isEmpty()) return;
        if (backend.inflight().get() >= SleeveBackend.MAX_INFLIGHT_BATCHES || !channel.isWritable()) {
            counters.add(SleeveCounter.TX_BACKPRESSURE, batch.size());
            for (Object o : batch) ReferenceCountUtil.release(o);
            batch.clear();
            return;
        }
        Object[] items = batch.toArray();
        batch.clear();
        backend.inflight().incrementAndGet();
        channel.eventLoop().execute(() -> {
            try {
                for (Object o : items) channel.write(o, channel.voidPromise());
                channel.flush();
            } finally {
                backend.inflight().decrementAndGet();
            }
        });
    }
}
