package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;

/**
 * Plain sleeve wire format: a standard VXLAN packet (RFC 7348) as a kernel VXLAN device sends it,
 * carried in UDP (default port 4789). The TUN device is L3, so the inner Ethernet header is
 * synthesised on send (destination = the peer's VTEP MAC, source = our VTEP MAC) and stripped on
 * receive.
 *
 * <pre>
 * offset size field
 *   0     1   flags: 0x08 (I: VNI valid); other bits 0
 *   1     3   reserved (0)
 *   4     3   VNI (24 bits, big-endian)
 *   7     1   reserved (0)
 *   8     6   inner destination MAC
 *  14     6   inner source MAC
 *  20     2   ethertype: 0x0800 IPv4, 0x86DD IPv6
 *  22     -   inner IP packet
 * </pre>
 *
 * Received packets with the I flag clear, a different VNI, a non-IP ethertype (ARP: kernel VXLAN
 * peers hold a static neighbour entry for our VTEP, so they never need to ARP for it; a VLAN tag) or
 * shorter than a minimal IP header are rejected with a {@link Verdict} the caller counts.
 */
final class VxlanFrame {
    private VxlanFrame() {}

    static final int VXLAN_HEADER = 8;
    static final int ETH_HEADER = 14;
    static final int OVERHEAD = VXLAN_HEADER + ETH_HEADER;

    static final int FLAG_I = 0x08;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int ETHERTYPE_ARP = 0x0806;

    enum Verdict {
        OK,
        TOO_SHORT,
        BAD_FLAGS,
        WRONG_VNI,
        ARP,
        NOT_IP
    }

    /**
     * Writes the VXLAN and inner Ethernet header at {@code offset} of {@code buf} (absolute index,
     * writer index untouched). {@code ipVersion} is the first nibble of the inner packet.
     */
    static void writeHeader(ByteBuf buf, int offset, int vni, byte[] dstMac, byte[] srcMac, int ipVersion) {
        buf.setInt(offset, FLAG_I << 24);
        buf.setInt(offset + 4, vni << 8);
        buf.setBytes(offset + 8, dstMac);
        buf.setBytes(offset + 14, srcMac);
        buf.setShort(offset + 20, ipVersion == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
    }

    /** Checks the header at {@code offset}; {@code length} is the UDP payload length from there. */
    static Verdict check(ByteBuf buf, int offset, int length, int vni) {
        if (length < OVERHEAD + 20) return Verdict.TOO_SHORT;
        int flags = buf.getUnsignedByte(offset);
        if ((flags & FLAG_I) == 0) return Verdict.BAD_FLAGS;
        if ((buf.getInt(offset + 4) >>> 8) != vni) return Verdict.WRONG_VNI;
        int etherType = buf.getUnsignedShort(offset + 20);
        if (etherType == ETHERTYPE_ARP) return Verdict.ARP;
        int ipVersion = buf.getUnsignedByte(offset + OVERHEAD) >>> 4;
        if (etherType == ETHERTYPE_IPV4 && ipVersion == 4) return Verdict.OK;
        if (etherType == ETHERTYPE_IPV6 && ipVersion == 6) return Verdict.OK;
        return Verdict.NOT_IP;
    }
}
