package dev.weft.datapath.sleeve;

/**
 * {@code struct virtio_net_hdr} as used by TUN with {@code IFF_VNET_HDR} (little-endian on x86):
 *
 * <pre>
 * offset size field
 *   0     1   flags        NEEDS_CSUM=1 (checksum partial: fill it at csum_start+csum_offset), DATA_VALID=2
 *   1     1   gso_type     NONE=0, TCPV4=1, UDP=3, TCPV6=4, ECN bit 0x80
 *   2     2   hdr_len      length of all headers (L3+L4) of a GSO frame
 *   4     2   gso_size     payload bytes per segment
 *   6     2   csum_start   offset of the L4 header
 *   8     2   csum_offset  offset of the checksum field from csum_start
 * </pre>
 */
final class VnetHdr {
    private VnetHdr() {}

    static final int SIZE = 10;
    static final int F_NEEDS_CSUM = 1;
    static final int F_DATA_VALID = 2;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_UDP = 3;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;
}
