package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Receive-side TCP coalescing (userspace GRO) into the TUN device: consecutive in-order segments of
 * one TCP flow (over IPv4, or IPv6 with TCP right after the fixed header) that arrive in the same read
 * burst are joined into one frame and written with a virtio GSO header (TCPV4 or TCPV6, gso_size = the
 * segments' payload size), so the kernel handles one frame instead of dozens. Everything else, and
 * anything that does not continue the pending frame, is written as it is (after flushing what is
 * pending, so order is kept).
 *
 * <p>Joined segments must match exactly in every header field except IP id/length/checksum and TCP
 * sequence/checksum/PSH (addresses, ports, TOS or traffic class and flow label, TTL or hop limit, ack,
 * window, options); flags may only be ACK (+ PSH); all but the last must carry the same payload size.
 * Not thread-safe: one per channel.
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
    private int l3; // IP header length of the pending frame: 20 (IPv4) or 40 (IPv6)
    private long nextSeq;
    private boolean closed; // a short segment ended the frame

    TcpCoalescer(Sink sink, int mtu) {
        this.sink = sink;
        this.mtu = mtu;
    }

    private static final int IP = VnetHdr.SIZE;

    /** Header length (IP + TCP) of a coalescable TCP segment, or -1. */
    static int coalescable(ByteBuf b, int ip, int len) {
        int l3 = ipHeader(b, ip, len);
        if (l3 < 0 || len < l3 + 20) return -1;
        int thl = (b.getUnsignedByte(ip + l3 + 12) >>> 4) * 4;
        int flags = b.getUnsignedByte(ip + l3 + 13);
        if (thl < 20 || l3 + thl >= len) return -1; // no payload: pure ACKs go through as they are
        if ((flags & ~0x18) != 0 || (flags & 0x10) == 0) return -1; // only ACK or ACK|PSH
        return l3 + thl;
    }

    /**
     * The IP header length of an unfragmented TCP packet whose length field agrees with {@code len}: 20 for IPv4
     * without options, 40 for IPv6 with TCP as the next header; -1 for anything else.
     */
    private static int ipHeader(ByteBuf b, int ip, int len) {
        if (len < 40) return -1;
        int b0 = b.getUnsignedByte(ip);
        if (b0 == 0x45) {
            if (b.getUnsignedByte(ip + 9) != 6 || (b.getUnsignedShort(ip + 6) & 0x3fff) != 0) return -1;
            return b.getUnsignedShort(ip + 2) == len ? 20 : -1;
        }
        if ((b0 >>> 4) == 6) {
            if (b.getUnsignedByte(ip + 6) != 6) return -1;
            return b.getUnsignedShort(ip + 4) == len - 40 ? 40 : -1;
        }
        return -1;
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
        int tcp = (b.getUnsignedByte(ip) >>> 4) == 6 ? 40 : 20;
        if (ipLen > 0 && continues(b, ip, len, h, tcp)) {
            int payload = len - h;
            pending.setBytes(IP + ipLen, b, ip + h, payload);
            ipLen += payload;
            segments++;
            nextSeq = (nextSeq + payload) & 0xffffffffL;
            boolean psh = (b.getUnsignedByte(ip + tcp + 13) & 0x08) != 0;
            if (psh) pending.setByte(IP + tcp + 13, pending.getUnsignedByte(IP + tcp + 13) | 0x08);
            if (payload < mss || psh) closed = true;
            if (closed || segments >= MAX_SEGMENTS) flush();
            return;
        }
        flush();
        pending.setBytes(IP, b, ip, len);
        ipLen = len;
        segments = 1;
        hdrLen = h;
        l3 = tcp;
        mss = len - h;
        nextSeq = (b.getUnsignedInt(ip + tcp + 4) + mss) & 0xffffffffL;
        closed = (b.getUnsignedByte(ip + tcp + 13) & 0x08) != 0;
        if (closed) flush();
    }

    private boolean continues(ByteBuf b, int ip, int len, int h, int tcp) {
        if (closed || tcp != l3 || h != hdrLen || len - h > mss || ipLen + (len - h) > MAX_FRAME) return false;
        if (b.getUnsignedInt(ip + tcp + 4) != nextSeq) return false;
        if (tcp == 20) {
            // IPv4: version/ihl/tos, ttl/proto, addresses
            if (b.getUnsignedShort(ip) != pending.getUnsignedShort(IP)) return false;
            if (b.getUnsignedShort(ip + 8) != pending.getUnsignedShort(IP + 8)) return false;
            if (b.getLong(ip + 12) != pending.getLong(IP + 12)) return false;
        } else {
            // IPv6: version/traffic class/flow label, next header/hop limit, addresses
            if (b.getInt(ip) != pending.getInt(IP)) return false;
            if (b.getUnsignedShort(ip + 6) != pending.getUnsignedShort(IP + 6)) return false;
            for (int i = 8; i < 40; i += 8) {
                if (b.getLong(ip + i) != pending.getLong(IP + i)) return false;
            }
        }
        // TCP: ports, ack, data offset, window, options (flags compared without PSH)
        if (b.getInt(ip + tcp) != pending.getInt(IP + tcp)) return false;
        if (b.getInt(ip + tcp + 8) != pending.getInt(IP + tcp + 8)) return false;
        if (b.getUnsignedByte(ip + tcp + 12) != pending.getUnsignedByte(IP + tcp + 12)) return false;
        if ((b.getUnsignedByte(ip + tcp + 13) & ~0x08) != (pending.getUnsignedByte(IP + tcp + 13) & ~0x08))
            return false;
        if (b.getUnsignedShort(ip + tcp + 14) != pending.getUnsignedShort(IP + tcp + 14)) return false;
        for (int i = tcp + 20; i < h; i++) {
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
        if (l3 == 40) {
            pending.setShort(IP + 4, len - 40);
        } else {
            pending.setShort(IP + 2, len);
            Checksums.ipv4Header(pending, IP);
        }
        UdpHandler.markChecksumPartial(pending, 0, IP, len, mtu);
        if (n > 1) {
            pending.setByte(1, l3 == 40 ? VnetHdr.GSO_TCPV6 : VnetHdr.GSO_TCPV4);
            pending.setShortLE(2, hdrLen);
            pending.setShortLE(4, mss);
        }
        sink.write(pending, 0, len, n);
    }

    void release() {
        pending.release();
    }
}
