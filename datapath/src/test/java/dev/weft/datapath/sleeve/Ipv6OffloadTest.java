package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** IPv6 TCP through the sleeve's offloads: TSO6 frames cut into segments on send, segments joined on receive. */
class Ipv6OffloadTest {
    static final int V6_HEADERS = 60;

    /** Segments an IPv6 frame like the sending sleeve does; each with 10 bytes of room before it. */
    static List<ByteBuf> segments(ByteBuf frame, int mss) {
        int len = frame.readableBytes();
        int n = TsoSegmenter.segments(len - V6_HEADERS, mss);
        List<ByteBuf> segs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ByteBuf s = Unpooled.buffer(VnetHdr.SIZE + V6_HEADERS + mss);
            s.writerIndex(s.capacity());
            int l = TsoSegmenter.writeSegment(frame, 0, len, V6_HEADERS, mss, i, s, VnetHdr.SIZE);
            s.writerIndex(VnetHdr.SIZE + l);
            segs.add(s);
        }
        return segs;
    }

    @Property(tries = 100)
    void tso6SegmentsAreValidAndReassembleToTheOriginal(
            @ForAll @IntRange(min = 1, max = 60000) int payload,
            @ForAll @IntRange(min = 500, max = 1440) int mss,
            @ForAll long seed) {
        ByteBuf frame = Packets.tcpV6(payload, new Random(seed), 0x18 | 0x01); // PSH|ACK|FIN
        assertThat(TsoSegmenter.headerLength(frame, 0, frame.readableBytes())).isEqualTo(V6_HEADERS);
        List<ByteBuf> segs = segments(frame, mss);
        assertThat(segs).hasSize(TsoSegmenter.segments(payload, mss));
        ByteBuf reassembled = Unpooled.buffer(payload);
        long seq = frame.getUnsignedInt(44);
        for (int i = 0; i < segs.size(); i++) {
            ByteBuf s = segs.get(i).slice(VnetHdr.SIZE, segs.get(i).writerIndex() - VnetHdr.SIZE);
            int len = s.readableBytes();
            assertThat(s.getUnsignedShort(4)).as("payload length").isEqualTo(len - 40);
            assertThat(s.getUnsignedInt(44)).as("sequence").isEqualTo((seq + (long) i * mss) & 0xffffffffL);
            boolean last = i == segs.size() - 1;
            assertThat(s.getUnsignedByte(53) & 0x09)
                    .as("FIN/PSH only on the last")
                    .isEqualTo(last ? 0x09 : 0);
            assertThat(Packets.tcpV6ChecksumValid(s, 0))
                    .as("segment " + i + " checksum")
                    .isTrue();
            reassembled.writeBytes(s, V6_HEADERS, len - V6_HEADERS);
        }
        assertThat(ByteBufUtil.equals(reassembled, frame.slice(V6_HEADERS, payload)))
                .isTrue();
    }

    @Test
    void tsoRefusesIpv6WithAnExtensionHeaderOrOtherTransport() {
        ByteBuf frame = Packets.tcpV6(3000, new Random(1), 0x10);
        frame.setByte(6, 0); // hop-by-hop options header first
        assertThat(TsoSegmenter.headerLength(frame, 0, frame.readableBytes())).isEqualTo(-1);
        frame.setByte(6, 17);
        assertThat(TsoSegmenter.headerLength(frame, 0, frame.readableBytes())).isEqualTo(-1);
    }

    record Written(byte[] frame, int segments) {
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

    void offer(ByteBuf s) {
        c.offer(s, VnetHdr.SIZE, s.writerIndex() - VnetHdr.SIZE);
    }

    @Test
    void inOrderIpv6SegmentsBecomeOneTcpv6GsoFrameEqualToTheOriginal() {
        ByteBuf frame = Packets.tcpV6(1390 * 10 + 300, new Random(2), 0x18);
        for (ByteBuf s : segments(frame, 1390)) offer(s);
        c.flush();
        assertThat(out).hasSize(1);
        Written w = out.get(0);
        assertThat(w.segments()).isEqualTo(11);
        assertThat(w.gsoType()).isEqualTo(VnetHdr.GSO_TCPV6);
        assertThat(w.gsoSize()).isEqualTo(1390);
        ByteBuf ip = w.ip();
        assertThat(ip.readableBytes()).isEqualTo(frame.readableBytes());
        assertThat(ip.getUnsignedShort(4)).isEqualTo(frame.readableBytes() - 40);
        assertThat(ByteBufUtil.equals(
                        ip.slice(V6_HEADERS, ip.readableBytes() - V6_HEADERS),
                        frame.slice(V6_HEADERS, frame.readableBytes() - V6_HEADERS)))
                .isTrue();
        ByteBuf copy = Unpooled.copiedBuffer(ip);
        Checksums.completePartial(copy, 40, copy.readableBytes(), 16);
        assertThat(Packets.tcpV6ChecksumValid(copy, 0)).isTrue();
    }

    @Test
    void ipv6SegmentsOfAnotherFlowOrWithAnotherFlowLabelAreNotJoined() {
        ByteBuf frame = Packets.tcpV6(1390 * 4, new Random(3), 0x10);
        List<ByteBuf> segs = segments(frame, 1390);
        segs.get(1).setInt(VnetHdr.SIZE, 0x60012345); // another flow label
        segs.get(2).setByte(VnetHdr.SIZE + 39, 0x11); // another destination
        for (ByteBuf s : segs) offer(s);
        c.flush();
        assertThat(out).extracting(Written::segments).containsExactly(1, 1, 1, 1);
    }

    @Test
    void anIpv4SegmentBetweenIpv6OnesFlushesThePendingFrameAndKeepsOrder() {
        List<ByteBuf> v6 = segments(Packets.tcpV6(1390 * 2, new Random(4), 0x10), 1390);
        List<ByteBuf> v4 = TcpCoalescerTest.segments(Packets.tcpV4(1400 * 2, new Random(5), 0x10), 1400);
        offer(v6.get(0));
        offer(v4.get(0));
        offer(v6.get(1));
        c.flush();
        assertThat(out).extracting(w -> w.frame()[VnetHdr.SIZE] >>> 4).containsExactly(6, 4, 6);
    }
}
