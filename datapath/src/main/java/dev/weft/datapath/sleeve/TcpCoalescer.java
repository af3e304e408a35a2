package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Receive-side TCP coalescing (userspace GRO) into the TUN device: consecutive in-order segments of
 * one TCP/IPv4 flow that arrive in the same read burst are joined into one frame and written with a
 * virtio GSO header (TCPV4, gso_size = the segments' payload size), so the kernel handles one frame
 * instead of dozens. Everything else, and anything that does not continue the pending frame, is
 * written as it is (after flushing what is pending, so order is kept).
 *
 * <p>Joined segments must match exactly in every header field except IP id/length/checksum and TCP
 * sequence/checksum/PSH (addresses, ports, TOS, TTL, ack, window, options); flags may only be ACK
 * (+ PSH); all but the last must carry the same payload size. Not thread-safe: one per channel.
 */
final class TcpCoalescer {
    static final int MAX_SEGMENTS = 64;
    static final int MAX_FRAME = 65535;

    /** Where finished frames go: {@code buf} holds a virtio header at {@code hdr} and the IP packet after it. */
    interface Sink {
        void write(ByteBuf buf, int hdr, int ipLen, int segments);
    }

    private final ByteBuf pending = Unpooled.directBuffer(VnetHdr.SIZE + MAX_FRAME, VnetHdr.SIZE + MAX_FRAME);
    private final Sink sink;
    private final int mtu;
    private int ipLen; // bytes of the pending IP frame (0 = nothing pending)
    private int segments;
    private int mss;
    private int hdrLen;
    private long nextSeq;
    private boolean closed; // a short segment ended the frame

    TcpCoalescer(Sink sink, int mtu) {
        this.sink = sink;
        this.mtu = mtu;
    }

    private static final int IP = VnetHdr.SIZE;

    /** Header length (IP + TCP) of a coalescable TCP segment, or -1. */
    static int coalescable(ByteBuf b, int ip, int len) {
        if (len < 40 || b.getUnsignedByte(ip) != 0x45 || b.getUnsignedByte(ip + 9) != 6) return -1;
        if ((b.getUnsignedShort(ip + 6) & 0x3fff) != 0 || b.getUnsignedShort(ip + 2) != len) return -1;
        int thl = (b.getUnsignedByte(ip + 32) >>> 4) * 4;
        int flags = b.getUnsignedByte(ip + 33);
        if (thl < 20 || 20 + thl >= len) return -1; // no payload: pure ACKs go through as they are
        if ((flags & ~0x18) != 0 || (flags & 0x10) == 0) return -1; // only ACK or ACK|PSH
        return 20 + thl;
    }

    /** Offers one received inner packet at {@code ip} (10 writable bytes before it). */
    void offer(ByteBuf b, int ip, int len) {
        int h = coalescable(b, ip, len);
        if (h < 0 || len > mtu) {
            flush();
            UdpHandler.markChecksumPartial(b, ip - VnetHdr.SIZE, ip, len, mtu);
            sink.write(b, ip - VnetHdr.SIZE, len, 1);
            return;
        }
        if (ipLen > 0 && continues(b, ip, len, h)) {
            int payload = len - h;
            pending.setBytes(IP + ipLen, b, ip + h, payload);
            ipLen += payload;
            segments++;
            nextSeq = (nextSeq + payload) & 0xffffffffL;
            if ((b.getUnsignedByte(ip + 33) & 0x08) != 0)
                pending.setByte(IP + 33, pending.getUnsignedByte(IP + 33) | 0x08);
            if (payload < mss || (b.getUnsignedByte(ip + 33) & 0x08) != 0) closed = true;
            if (closed || segments >= MAX_SEGMENTS) flush();
            return;
        }
        flush();
        pending.setBytes(IP, b, ip, len);
        ipLen = len;
        segments = 1;
        hdrLen = h;
        mss = len - h;
        nextSeq = (b.getUnsignedInt(ip + 24) + mss) & 0xffffffffL;
        closed = (b.getUnsignedByte(ip + 33) & 0x08) != 0;
        if (closed) flush();
    }

    private boolean continues(ByteBuf b, int ip, int len, int h) {
        if (closed || h != hdrLen || len - h > mss || ipLen + (len - h) > MAX_FRAME) return false;
        if (b.getUnsignedInt(ip + 24) != nextSeq) return false;
        // IP: version/ihl/tos, ttl/proto, addresses
        if (b.getUnsignedShort(ip) != pending.getUnsignedShort(IP)) return false;
        if (b.getUnsignedShort(ip + 8) != pending.getUnsignedShort(IP + 8)) return false;
        if (b.getLong(ip + 12) != pending.getLong(IP + 12)) return false;
        // TCP: ports, ack, data offset, window, options (flags compared without PSH)
        if (b.getInt(ip + 20) != pending.getInt(IP + 20)) return false;
        if (b.getInt(ip + 28) != pending.getInt(IP + 28)) return false;
        if (b.getUnsignedByte(ip + 32) != pending.getUnsignedByte(IP + 32)) return false;
        if ((b.getUnsignedByte(ip + 33) & ~0x08) != (pending.getUnsignedByte(IP + 33) & ~0x08)) return false;
        if (b.getUnsignedShort(ip + 34) != pending.getUnsignedShort(IP + 34)) return false;
        for (int i = 40; i < h; i++) {
            if (b.getByte(ip + i) != pending.getByte(IP + i)) return false;
        }
        return true;
    }

    /** Writes what is pending (call at the end of every read burst). */
    void flush() {
        if (ipLen == 0) return;
        int len = ipLen;
        int n = segments;
        ipLen = 0;
        segments = 0;
        closed = false;
        pending.setShort(IP + 2, len);
        Checksums.ipv4Header(pending, IP);
        UdpHandler.markChecksumPartial(pending, 0, IP, len, mtu);
        if (n > 1) {
            pending.setByte(1, VnetHdr.GSO_TCPV4);
            pending.setShortLE(2, hdrLen);
            pending.setShortLE(4, mss);
        }
        sink.write(pending, 0, len, n);
    }

    void release() {
        pending.release();
    }
}
