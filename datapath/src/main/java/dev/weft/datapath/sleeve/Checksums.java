package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;

/** Internet checksum (RFC 1071) helpers over {@link ByteBuf} ranges (absolute indexes). */
final class Checksums {
    private Checksums() {}

    /** One's-complement sum (unfolded) of {@code len} bytes at {@code index}, added to {@code sum}. */
    static long sum(ByteBuf buf, int index, int len, long sum) {
        int i = index;
        int end = index + len;
        while (end - i >= 8) {
            long v = buf.getLong(i);
            sum += (v >>> 32) + (v & 0xffffffffL);
            // fold periodically so the accumulator never overflows
            if ((sum & 0xC000000000000000L) != 0) sum = (sum & 0xffffffffL) + (sum >>> 32);
            i += 8;
        }
        while (end - i >= 2) {
            sum += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) sum += (buf.getUnsignedByte(i) << 8);
        return sum;
    }

    static int fold(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /** Recomputes the IPv4 header checksum of the header at {@code ip}. */
    static void ipv4Header(ByteBuf buf, int ip) {
        int ihl = (buf.getUnsignedByte(ip) & 0x0f) * 4;
        buf.setShort(ip + 10, 0);
        buf.setShort(ip + 10, ~fold(sum(buf, ip, ihl, 0)) & 0xffff);
    }

    /** Sum of the IPv4 pseudo header for an L4 segment of {@code l4Length} bytes. */
    static long pseudoV4(ByteBuf buf, int ip, int protocol, int l4Length) {
        return buf.getUnsignedInt(ip + 12) + buf.getUnsignedInt(ip + 16) + protocol + l4Length;
    }

    /** Sum of the IPv6 pseudo header (addresses, upper-layer length, next header) for {@code l4Length} bytes. */
    static long pseudoV6(ByteBuf buf, int ip, int protocol, int l4Length) {
        return sum(buf, ip + 8, 32, 0) + protocol + l4Length;
    }

    /**
     * Completes a partial checksum (virtio NEEDS_CSUM): the field at {@code start + offset} holds
     * the pseudo-header sum; the checksum over [start, end) is folded, complemented and stored.
     */
    static void completePartial(ByteBuf buf, int start, int end, int offset) {
        int c = ~fold(sum(buf, start, end - start, 0)) & 0xffff;
        buf.setShort(start + offset, c);
    }
}
