package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ChecksumsTest {
    /** Straightforward RFC 1071 reference over a byte array. */
    static int reference(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) sum += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        if ((len & 1) != 0) sum += (b[off + len - 1] & 0xff) << 8;
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    @Property(tries = 300)
    void sumMatchesReference(
            @ForAll @IntRange(min = 0, max = 3000) int len,
            @ForAll @IntRange(min = 0, max = 7) int off,
            @ForAll long seed) {
        byte[] data = new byte[len + off];
        new Random(seed).nextBytes(data);
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        assertThat(Checksums.fold(Checksums.sum(buf, off, len, 0))).isEqualTo(reference(data, off, len, 0));
    }

    @Test
    void ipv4HeaderChecksumOfAKnownHeader() {
        // RFC 1071-style example header (checksum 0xb861 for this classic sample)
        byte[] h = {
            0x45,
            0x00,
            0x00,
            0x73,
            0x00,
            0x00,
            0x40,
            0x00,
            0x40,
            0x11,
            0x00,
            0x00,
            (byte) 0xc0,
            (byte) 0xa8,
            0x00,
            0x01,
            (byte) 0xc0,
            (byte) 0xa8,
            0x00,
            (byte) 0xc7
        };
        ByteBuf buf = Unpooled.wrappedBuffer(h);
        Checksums.ipv4Header(buf, 0);
        assertThat(buf.getUnsignedShort(10)).isEqualTo(0xb861);
    }

    @Property(tries = 200)
    void completingAPartialChecksumGivesAValidSegment(
            @ForAll @IntRange(min = 0, max = 2000) int payload, @ForAll long seed) {
        ByteBuf p = Packets.tcpV4(payload, new Random(seed), 0x10);
        int ihl = 20;
        int l4 = p.readableBytes() - ihl;
        // what the kernel hands over with NEEDS_CSUM: the field holds the (uncomplemented) pseudo-header sum
        p.setShort(ihl + 16, Checksums.fold(Checksums.pseudoV4(p, 0, 6, l4)));
        Checksums.completePartial(p, ihl, p.readableBytes(), 16);
        assertThat(Packets.tcpChecksumValid(p, 0)).isTrue();
    }
}
