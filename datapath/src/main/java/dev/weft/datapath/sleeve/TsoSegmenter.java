package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;

/**
 * Userspace TCP segmentation (IPv4 and IPv6) of a GSO frame read from the TUN device with
 * {@code IFF_VNET_HDR}: the frame is cut once into MSS-sized TCP segments, each written with its own
 * IP and TCP headers directly behind the caller's per-datagram header room in the output buffer,
 * so the datagrams can go out in one UDP GSO send. IPv6 frames must carry TCP right after the fixed
 * header (the kernel's TSO6 frames do; anything else is refused).
 */
final class TsoSegmenter {
    private TsoSegmenter() {}

    /** Header length (IP + TCP) of a TCP frame; -1 when the frame is not well-formed TCP over IPv4 or IPv6. */
    static int headerLength(ByteBuf frame, int ip, int length) {
        if (length < 40) return -1;
        int b0 = frame.getUnsignedByte(ip);
        int ihl;
        if ((b0 >>> 4) == 4) {
            ihl = (b0 & 0x0f) * 4;
            if (ihl < 20 || frame.getUnsignedByte(ip + 9) != 6) return -1;
        } else if ((b0 >>> 4) == 6) {
            ihl = 40;
            if (frame.getUnsignedByte(ip + 6) != 6) return -1;
        } else {
            return -1;
        }
        if (length < ihl + 20) return -1;
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
     * TCP (and IPv4 header) checksums are complete.
     */
    static int writeSegment(ByteBuf frame, int ip, int length, int hdrLen, int mss, int i, ByteBuf out, int at) {
        int payload = length - hdrLen;
        int off = i * mss;
        int segPayload = Math.min(mss, payload - off);
        boolean last = off + segPayload >= payload;
        boolean v6 = (frame.getUnsignedByte(ip) >>> 4) == 6;
        int ihl = v6 ? 40 : (frame.getUnsignedByte(ip) & 0x0f) * 4;
        out.setBytes(at, frame, ip, hdrLen);
        out.setBytes(at + hdrLen, frame, ip + hdrLen + off, segPayload);
        int segLen = hdrLen + segPayload;
        if (v6) {
            out.setShort(at + 4, segLen - 40); // payload length; IPv6 has no id or header checksum
        } else {
            // IPv4: total length, id, checksum
            out.setShort(at + 2, segLen);
            out.setShort(at + 4, (frame.getUnsignedShort(ip + 4) + i) & 0xffff);
            Checksums.ipv4Header(out, at);
        }
        // TCP: sequence, flags (FIN/PSH only on the last segment, CWR only on the first), checksum
        int tcp = at + ihl;
        out.setInt(tcp + 4, (int) (frame.getUnsignedInt(ip + ihl + 4) + off));
        int flags = frame.getUnsignedByte(ip + ihl + 13);
        if (!last) flags &= ~(0x01 | 0x08);
        if (i > 0) flags &= ~0x80;
        out.setByte(tcp + 13, flags);
        out.setShort(tcp + 16, 0);
        int l4 = segLen - ihl;
        long sum = v6 ? Checksums.pseudoV6(out, at, 6, l4) : Checksums.pseudoV4(out, at, 6, l4);
        sum = Checksums.sum(out, tcp, l4, sum);
        out.setShort(tcp + 16, ~Checksums.fold(sum) & 0xffff);
        return segLen;
    }
}
