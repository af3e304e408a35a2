package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;

/** Test helper: builds IPv4/TCP and IPv6/TCP packets and validates their checksums independently. */
final class Packets {
    private Packets() {}

    /** An IPv4/TCP packet 198.18.1.10:40000 -> 198.18.2.10:5201, random payload, correct checksums. */
    static ByteBuf tcpV4(int payload, Random rnd, int tcpFlags) {
        ByteBuf b = Unpooled.buffer(40 + payload);
        b.writeByte(0x45)
                .writeByte(0)
                .writeShort(40 + payload)
                .writeShort(0x1234)
                .writeShort(0x4000)
                .writeByte(64)
                .writeByte(6)
                .writeShort(0)
                .writeBytes(new byte[] {(byte) 198, 18, 1, 10})
                .writeBytes(new byte[] {(byte) 198, 18, 2, 10});
        b.writeShort(40000)
                .writeShort(5201)
                .writeInt(rnd.nextInt())
                .writeInt(rnd.nextInt())
                .writeByte(5 << 4)
                .writeByte(tcpFlags)
                .writeShort(65535)
                .writeShort(0)
                .writeShort(0);
        byte[] data = new byte[payload];
        rnd.nextBytes(data);
        b.writeBytes(data);
        Checksums.ipv4Header(b, 0);
        long sum = Checksums.pseudoV4(b, 0, 6, 20 + payload);
        b.setShort(36, ~ChecksumsTest.reference(b.array(), 20, 20 + payload, sum) & 0xffff);
        return b;
    }

    static boolean tcpChecksumValid(ByteBuf p, int ip) {
        int ihl = (p.getUnsignedByte(ip) & 0xf) * 4;
        int total = p.getUnsignedShort(ip + 2);
        byte[] a = new byte[total];
        p.getBytes(ip, a);
        long pseudo = ((a[12] & 0xff) << 8 | (a[13] & 0xff))
                + ((a[14] & 0xff) << 8 | (a[15] & 0xff))
                + ((a[16] & 0xff) << 8 | (a[17] & 0xff))
                + ((a[18] & 0xff) << 8 | (a[19] & 0xff))
                + 6
                + (total - ihl);
        return ChecksumsTest.reference(a, ihl, total - ihl, pseudo) == 0xffff
                && ChecksumsTest.reference(a, 0, ihl, 0) == 0xffff;
    }

    static final byte[] V6_SRC = ipv6("2001:db8:18:1::10");
    static final byte[] V6_DST = ipv6("2001:db8:18:2::10");

    static byte[] ipv6(String s) {
        return dev.weft.ipam.addr.IpAddress.parse(s).bytes();
    }

    /** An IPv6/TCP packet [2001:db8:18:1::10]:40000 -> [2001:db8:18:2::10]:5201, random payload, correct checksum. */
    static ByteBuf tcpV6(int payload, Random rnd, int tcpFlags) {
        ByteBuf b = Unpooled.buffer(60 + payload);
        b.writeInt(0x60000000)
                .writeShort(20 + payload)
                .writeByte(6)
                .writeByte(64)
                .writeBytes(V6_SRC)
                .writeBytes(V6_DST);
        b.writeShort(40000)
                .writeShort(5201)
                .writeInt(rnd.nextInt())
                .writeInt(rnd.nextInt())
                .writeByte(5 << 4)
                .writeByte(tcpFlags)
                .writeShort(65535)
                .writeShort(0)
                .writeShort(0);
        byte[] data = new byte[payload];
        rnd.nextBytes(data);
        b.writeBytes(data);
        b.setShort(
                56, ~ChecksumsTest.reference(b.array(), 40, 20 + payload, pseudoV6(b.array(), 20 + payload)) & 0xffff);
        return b;
    }

    /** The IPv6 pseudo-header sum, summed independently of {@link Checksums}. */
    static long pseudoV6(byte[] packet, int l4Length) {
        long sum = 0;
        for (int i = 8; i < 40; i += 2) sum += (packet[i] & 0xff) << 8 | (packet[i + 1] & 0xff);
        return sum + 6 + l4Length;
    }

    static boolean tcpV6ChecksumValid(ByteBuf p, int ip) {
        int l4 = p.getUnsignedShort(ip + 4);
        byte[] a = new byte[40 + l4];
        p.getBytes(ip, a);
        return ChecksumsTest.reference(a, 40, l4, pseudoV6(a, l4)) == 0xffff;
    }
}
