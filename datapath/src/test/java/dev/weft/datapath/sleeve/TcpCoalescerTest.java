package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TcpCoalescerTest {
    record Written(byte[] frame, int segments) {
        int vnetFlags() {
            return frame[0] & 0xff;
        }

        int gsoType() {
            return frame[1] & 0xff;
        }

        int gsoSize() {
            return (frame[4] & 0xff) | (frame[5] & 0xff) << 8;
        }

        ByteBuf ip() {
            return Unpooled.wrappedBuffer(frame, VnetHdr.SIZE, frame.length - VnetHdr.SIZE);
        }
    }

    final List<Written> out = new ArrayList<>();
    final TcpCoalescer c = new TcpCoalescer(
            (buf, hdr, ipLen, segs) -> {
                byte[] b = new byte[ipLen + VnetHdr.SIZE];
                buf.getBytes(hdr, b);
                out.add(new Written(b, segs));
            },
            1450);

    /** Segments a frame like the sending sleeve does; each with 10 bytes of room before it. */
    static List<ByteBuf> segments(ByteBuf frame, int mss) {
        int len = frame.readableBytes();
        int n = TsoSegmenter.segments(len - 40, mss);
        List<ByteBuf> segs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteBuf s = Unpooled.buffer(VnetHdr.SIZE + 40 + mss);
            s.writerIndex(s.capacity());
            int l = TsoSegmenter.writeSegment(frame, 0, len, 40, mss, i, s, VnetHdr.SIZE);
            s.writerIndex(VnetHdr.SIZE + l);
            segs.add(s);
        }
        return segs;
    }

    void offer(ByteBuf s) {
        c.offer(s, VnetHdr.SIZE, s.writerIndex() - VnetHdr.SIZE);
    }

    @Test
    void inOrderSegmentsOfOneFlowBecomeOneGsoFrameEqualToTheOriginal() {
        ByteBuf frame = Packets.tcpV4(1400 * 10 + 500, new Random(1), 0x18);
        for (ByteBuf s : segments(frame, 1400)) offer(s);
        c.flush();
        assertThat(out).hasSize(1);
        Written w = out.get(0);
        assertThat(w.segments()).isEqualTo(11);
        assertThat(w.gsoType()).isEqualTo(VnetHdr.GSO_TCPV4);
        assertThat(w.gsoSize()).isEqualTo(1400);
        assertThat(w.vnetFlags()).isEqualTo(VnetHdr.F_NEEDS_CSUM);
        ByteBuf ip = w.ip();
        assertThat(ip.readableBytes()).isEqualTo(frame.readableBytes());
        // payload identical; complete the partial checksum as the kernel would and the frame is valid
        assertThat(ByteBufUtil.equals(
                        ip.slice(40, ip.readableBytes() - 40), frame.slice(40, frame.readableBytes() - 40)))
                .isTrue();
        ByteBuf copy = Unpooled.copiedBuffer(ip);
        Checksums.completePartial(copy, 20, copy.readableBytes(), 16);
        assertThat(Packets.tcpChecksumValid(copy, 0)).isTrue();
        assertThat(copy.getUnsignedByte(33) & 0x08).as("PSH kept").isEqualTo(0x08);
    }

    @Test
    void aGapOrAnotherFlowFlushesAndOrderIsKept() {
        List<ByteBuf> a = segments(Packets.tcpV4(1400 * 4, new Random(2), 0x10), 1400);
        offer(a.get(0));
        offer(a.get(1));
        offer(a.get(3)); // gap: segment 2 missing
        ByteBuf other = Packets.tcpV4(100, new Random(3), 0x10);
        other.setShort(20, 40001); // another source port
        ByteBuf o = Unpooled.buffer(VnetHdr.SIZE + other.readableBytes());
        o.writeZero(VnetHdr.SIZE).writeBytes(other);
        offer(o);
        c.flush();
        assertThat(out).extracting(Written::segments).containsExactly(2, 1, 1);
        assertThat(out.get(0).gsoType()).isEqualTo(VnetHdr.GSO_TCPV4);
        assertThat(out.get(1).gsoType()).isEqualTo(VnetHdr.GSO_NONE);
    }

    @Test
    void nonTcpAndControlSegmentsPassThroughUnmerged() {
        ByteBuf syn = Packets.tcpV4(0, new Random(4), 0x02);
        ByteBuf s = Unpooled.buffer(VnetHdr.SIZE + syn.readableBytes());
        s.writeZero(VnetHdr.SIZE).writeBytes(syn);
        offer(s);
        ByteBuf fin = Packets.tcpV4(10, new Random(5), 0x11);
        ByteBuf f = Unpooled.buffer(VnetHdr.SIZE + fin.readableBytes());
        f.writeZero(VnetHdr.SIZE).writeBytes(fin);
        offer(f);
        c.flush();
        assertThat(out).extracting(Written::segments).containsExactly(1, 1);
    }

    @Test
    void frameSizeAndSegmentCountAreBounded() {
        ByteBuf frame = Packets.tcpV4(1000 * 100, new Random(6), 0x10);
        for (ByteBuf s : segments(frame, 1000)) offer(s);
        c.flush();
        assertThat(out).allSatisfy(w -> {
            assertThat(w.segments()).isLessThanOrEqualTo(TcpCoalescer.MAX_SEGMENTS);
            assertThat(w.frame().length - VnetHdr.SIZE).isLessThanOrEqualTo(TcpCoalescer.MAX_FRAME);
        });
        assertThat(out.stream().mapToInt(Written::segments).sum()).isEqualTo(100);
    }
}
