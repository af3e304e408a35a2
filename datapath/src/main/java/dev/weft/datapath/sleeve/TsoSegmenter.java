package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;

/**
 * Userspace TCP segmentation (IPv4) of a GSO frame read from the TUN device with
 * {@code IFF_VNET_HDR}: the frame is cut once into MSS-sized TCP segments, each written with its own
 * IPv4 and TCP headers directly behind the caller's per-datagram header room in the output buffer,
 * so the datagrams can go out in one UDP GSO send.
 */
final class TsoSegmenter {
    private TsoSegmenter() {}

    /** Header facts of a TCP/IPv4 frame; -1 when the frame is not a well-formed TCP/IPv4 frame. */
    static int headerLength(ByteBuf frame, int ip, int length) {
        if (length < 40) return -1;
        int b0 = frame.getUnsignedByte(ip);
        if ((b0 >>> 4) != 4) return -1;
        int ihl = (b0 & 0x0f) * 4;
        if (ihl < 20 || frame.getUnsignedByte(ip + 9) != 6 || length < ihl + 20) return -1;
        int thl = (frame.getUnsignedByte(ip + ihl + 12) >>> 4) * 4;
        if (thl < 20 || length < ihl + thl) return -1;
        return ihl + thl;
    }

    /** Number of segments for {@code payload} bytes at {@code mss}. */
    static int segments(int payload, int mss) {
        return payload == 0 ? 1 : (payload + mss - 1) / mss;
    }

    /**
     * Writes segment {@code i} of the frame at {@code ip} (headers {@code hdrLen}, total
     * {@code length}) into {@code out} at absolute {@code at}; returns the segment's IP length. The
     * TCP and IPv4 checksums are complete.
     */
    static int writeSegment(ByteBuf frame, int ip, int length, int hdrLen, int mss, int i, ByteBuf out, int at) {
        int payload = length - hdrLen;
        int off = i * mss;
        int segPayload = Math.min(mss, payload - off);
        boolean last = off + segPayload >= payload;
        int ihl = (frame.getUnsignedByte(ip) & 0x0f) * 4;
        out.setBytes(at, frame, ip, hdrLen);
        out.setBytes(at + hdrLen, frame, ip + hdrLen + off, segPayload);
        int segLen = hdrLen + segPayload;
        // IPv4: total length, id, checksum
        out.setShort(at + 2, segLen);
        out.setShort(at + 4, (frame.getUnsignedShort(ip + 4) + i) & 0xffff);
        Checksums.ipv4Header(out, at);
        // TCP: sequence, flags (FIN/PSH only on the last segment, CWR only on the first), checksum
        int tcp = at + ihl;
        out.setInt(tcp + 4, (int) (frame.getUnsignedInt(ip + ihl + 4) + off));
        int flags = frame.getUnsignedByte(ip + ihl + 13);
        if (!last) flags &= ~(0x01 | 0x08);
        if (i > 0) flags &= ~0x80;
        out.setByte(tcp + 13, flags);
        out.setShort(tcp + 16, 0);
        int l4 = segLen - ihl;
        long sum = Checksums.pseudoV4(out, at, 6, l4);
        sum = Checksums.sum(out, tcp, l4, sum);
        out.setShort(tcp + 16, ~Checksums.fold(sum) & 0xffff);
        return segLen;
    }
}
