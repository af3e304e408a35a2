package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;

/** Test helper: builds IPv4/TCP packets and validates their checksums independently. */
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
}
