package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** VXLAN framing, prefix lookup, TSO segmentation and the RX virtio header, without a kernel. */
class FramingTest {
    static final byte[] DST = {2, 0x57, 0, 0, 0, 2};
    static final byte[] SRC = {2, 0x57, 0, 0, 0, 1};

    @Test
    void vxlanHeaderGoldenBytes() {
        ByteBuf b = Unpooled.buffer(22);
        VxlanFrame.writeHeader(b, 0, 0x123456, DST, SRC, 4);
        byte[] out = new byte[22];
        b.getBytes(0, out);
        assertThat(HexFormat.of().formatHex(out))
                .isEqualTo("08000000" + "12345600" + "025700000002" + "025700000001" + "0800");
    }

    ByteBuf frame(int vni, int etherType, int firstInnerByte, int innerLen) {
        ByteBuf b = Unpooled.buffer(22 + innerLen);
        VxlanFrame.writeHeader(b, 0, vni, DST, SRC, 4);
        b.setShort(20, etherType);
        b.writerIndex(22 + innerLen);
        if (innerLen > 0) b.setByte(22, firstInnerByte);
        return b;
    }

    @Test
    void vxlanCheckVerdicts() {
        assertThat(VxlanFrame.check(frame(42, 0x0800, 0x45, 40), 0, 62, 42)).isEqualTo(VxlanFrame.Verdict.OK);
        assertThat(VxlanFrame.check(frame(43, 0x0800, 0x45, 40), 0, 62, 42)).isEqualTo(VxlanFrame.Verdict.WRONG_VNI);
        assertThat(VxlanFrame.check(frame(42, 0x0806, 0x00, 28), 0, 50, 42)).isEqualTo(VxlanFrame.Verdict.ARP);
        assertThat(VxlanFrame.check(frame(42, 0x8100, 0x45, 40), 0, 62, 42)).isEqualTo(VxlanFrame.Verdict.NOT_IP);
        assertThat(VxlanFrame.check(frame(42, 0x0800, 0x60, 40), 0, 62, 42)).isEqualTo(VxlanFrame.Verdict.NOT_IP);
        assertThat(VxlanFrame.check(frame(42, 0x0800, 0x45, 10), 0, 32, 42)).isEqualTo(VxlanFrame.Verdict.TOO_SHORT);
        ByteBuf noI = frame(42, 0x0800, 0x45, 40);
        noI.setByte(0, 0);
        assertThat(VxlanFrame.check(noI, 0, 62, 42)).isEqualTo(VxlanFrame.Verdict.BAD_FLAGS);
    }

    @Property(tries = 500)
    void vxlanCheckNeverThrowsOnGarbage(@ForAll byte[] garbage, @ForAll @IntRange(min = 0, max = 0xffffff) int vni) {
        ByteBuf b = Unpooled.wrappedBuffer(garbage);
        assertThat(VxlanFrame.check(b, 0, garbage.length, vni)).isNotNull();
    }

    @Test
    void prefixTableLongestMatchWins() {
        Map<Cidr, String> m = new LinkedHashMap<>();
        m.put(Cidr.parse("198.18.0.0/16"), "wide");
        m.put(Cidr.parse("198.18.2.0/24"), "b");
        m.put(Cidr.parse("198.18.2.1/32"), "vtep");
        m.put(Cidr.parse("198.19.0.0/24"), "c");
        PrefixTable<String> t = PrefixTable.of(m);
        assertThat(t.lookup(IpAddress.parse("198.18.2.1").toIpv4Int())).isEqualTo("vtep");
        assertThat(t.lookup(IpAddress.parse("198.18.2.77").toIpv4Int())).isEqualTo("b");
        assertThat(t.lookup(IpAddress.parse("198.18.9.1").toIpv4Int())).isEqualTo("wide");
        assertThat(t.lookup(IpAddress.parse("198.19.0.255").toIpv4Int())).isEqualTo("c");
        assertThat(t.lookup(IpAddress.parse("198.19.1.0").toIpv4Int())).isNull();
        assertThat(PrefixTable.<String>empty().lookup(0)).isNull();
    }

    @Property(tries = 50)
    void prefixTableAgreesWithLinearScan(@ForAll long seed) {
        Random r = new Random(seed);
        Map<Cidr, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            int len = 8 + r.nextInt(25);
            m.put(Cidr.containing(IpAddress.ipv4(0xC6120000 | r.nextInt(1 << 17)), len), i);
        }
        PrefixTable<Integer> t = PrefixTable.of(m);
        for (int i = 0; i < 500; i++) {
            int a = 0xC6120000 | r.nextInt(1 << 17);
            Integer best = null;
            int bestLen = -1;
            for (Map.Entry<Cidr, Integer> e : m.entrySet()) {
                if (e.getKey().contains(IpAddress.ipv4(a)) && e.getKey().prefixLength() > bestLen) {
                    best = e.getValue();
                    bestLen = e.getKey().prefixLength();
                }
            }
            assertThat(t.lookup(a)).isEqualTo(best);
        }
    }

    @Property(tries = 100)
    void tsoSegmentsAreValidAndReassembleToTheOriginal(
            @ForAll @IntRange(min = 1, max = 60000) int payload,
            @ForAll @IntRange(min = 500, max = 1460) int mss,
            @ForAll long seed) {
        ByteBuf frame = Packets.tcpV4(payload, new Random(seed), 0x18 | 0x01); // PSH|ACK|FIN
        int len = frame.readableBytes();
        int hdrLen = TsoSegmenter.headerLength(frame, 0, len);
        assertThat(hdrLen).isEqualTo(40);
        int n = TsoSegmenter.segments(payload, mss);
        ByteBuf reassembled = Unpooled.buffer(payload);
        long seq0 = frame.getUnsignedInt(24);
        for (int i = 0; i < n; i++) {
            ByteBuf out = Unpooled.buffer(hdrLen + mss + 8);
            out.writerIndex(out.capacity());
            int segLen = TsoSegmenter.writeSegment(frame, 0, len, hdrLen, mss, i, out, 4);
            ByteBuf seg = out.slice(4, segLen);
            assertThat(Packets.tcpChecksumValid(seg, 0))
                    .as("segment %d checksums", i)
                    .isTrue();
            assertThat(seg.getUnsignedShort(2)).isEqualTo(segLen);
            assertThat(seg.getUnsignedShort(4)).isEqualTo((0x1234 + i) & 0xffff);
            assertThat(seg.getUnsignedInt(24)).isEqualTo((seq0 + (long) i * mss) & 0xffffffffL);
            int flags = seg.getUnsignedByte(33);
            boolean last = i == n - 1;
            assertThat((flags & 0x01) != 0).as("FIN only on last").isEqualTo(last);
            assertThat((flags & 0x08) != 0).as("PSH only on last").isEqualTo(last);
            assertThat(segLen - hdrLen).isLessThanOrEqualTo(mss);
            reassembled.writeBytes(seg, hdrLen, segLen - hdrLen);
        }
        assertThat(reassembled.readableBytes()).isEqualTo(payload);
        assertThat(ByteBufEquals.equal(reassembled, frame.slice(40, payload))).isTrue();
    }

    @Test
    void tsoRejectsNonTcpFrames() {
        ByteBuf udp = Packets.tcpV4(100, new Random(1), 0x10);
        udp.setByte(9, 17);
        assertThat(TsoSegmenter.headerLength(udp, 0, udp.readableBytes())).isEqualTo(-1);
        assertThat(TsoSegmenter.headerLength(udp, 0, 30)).isEqualTo(-1);
    }

    @Test
    void receivedTcpIsMarkedPartialWithThePseudoHeaderSum() {
        ByteBuf p = Packets.tcpV4(500, new Random(2), 0x10);
        ByteBuf buf = Unpooled.buffer(10 + p.readableBytes());
        int len = p.readableBytes();
        buf.writeZero(10).writeBytes(p);
        UdpHandler.markChecksumPartial(buf, 0, 10, len, 1450);
        assertThat((int) buf.getUnsignedByte(0)).isEqualTo(VnetHdr.F_NEEDS_CSUM);
        assertThat((int) buf.getUnsignedByte(1)).isEqualTo(VnetHdr.GSO_NONE);
        assertThat(buf.getUnsignedShortLE(6)).isEqualTo(20);
        assertThat(buf.getUnsignedShortLE(8)).isEqualTo(16);
        // completing it as the kernel would gives a valid packet
        Checksums.completePartial(buf, 10 + 20, buf.writerIndex(), 16);
        assertThat(Packets.tcpChecksumValid(buf, 10)).isTrue();
    }

    @Test
    void receivedTcpSuperFrameBecomesAGsoWrite() {
        ByteBuf p = Packets.tcpV4(20000, new Random(3), 0x10);
        ByteBuf buf = Unpooled.buffer(10 + p.readableBytes());
        int len = p.readableBytes();
        buf.writeZero(10).writeBytes(p);
        UdpHandler.markChecksumPartial(buf, 0, 10, len, 1450);
        assertThat((int) buf.getUnsignedByte(1)).isEqualTo(VnetHdr.GSO_TCPV4);
        assertThat(buf.getUnsignedShortLE(2)).isEqualTo(40);
        assertThat(buf.getUnsignedShortLE(4)).isEqualTo(1410);
    }

    @Test
    void icmpAndFragmentsAreLeftForTheKernelToVerify() {
        ByteBuf p = Packets.tcpV4(100, new Random(4), 0x10);
        p.setByte(9, 1);
        ByteBuf buf = Unpooled.buffer(10 + p.readableBytes());
        int len = p.readableBytes();
        buf.writeZero(10).writeBytes(p);
        UdpHandler.markChecksumPartial(buf, 0, 10, len, 1450);
        assertThat((int) buf.getUnsignedByte(0)).isZero();
        ByteBuf f = Packets.tcpV4(100, new Random(4), 0x10);
        f.setShort(6, 0x2000); // MF
        ByteBuf buf2 = Unpooled.buffer(10 + f.readableBytes());
        int len2 = f.readableBytes();
        buf2.writeZero(10).writeBytes(f);
        UdpHandler.markChecksumPartial(buf2, 0, 10, len2, 1450);
        assertThat((int) buf2.getUnsignedByte(0)).isZero();
    }

    @Test
    void receivedIpv6TcpIsMarkedPartialWithThePseudoHeaderSum() {
        ByteBuf p = Packets.tcpV6(500, new Random(5), 0x10);
        assertThat(Packets.tcpV6ChecksumValid(p, 0))
                .as("the test packet itself")
                .isTrue();
        ByteBuf buf = Unpooled.buffer(10 + p.readableBytes());
        int len = p.readableBytes();
        buf.writeZero(10).writeBytes(p);
        buf.setShort(10 + 56, 0x1234); // a partial or wrong checksum from a kernel VXLAN sender
        UdpHandler.markChecksumPartial(buf, 0, 10, len, 1450);
        assertThat((int) buf.getUnsignedByte(0)).isEqualTo(VnetHdr.F_NEEDS_CSUM);
        assertThat((int) buf.getUnsignedByte(1)).isEqualTo(VnetHdr.GSO_NONE);
        assertThat(buf.getUnsignedShortLE(6)).isEqualTo(40);
        assertThat(buf.getUnsignedShortLE(8)).isEqualTo(16);
        Checksums.completePartial(buf, 10 + 40, buf.writerIndex(), 16);
        assertThat(Packets.tcpV6ChecksumValid(buf, 10)).isTrue();
    }

    @Test
    void receivedIpv6TcpSuperFrameBecomesATcpv6GsoWrite() {
        ByteBuf p = Packets.tcpV6(20000, new Random(6), 0x10);
        ByteBuf buf = Unpooled.buffer(10 + p.readableBytes());
        int len = p.readableBytes();
        buf.writeZero(10).writeBytes(p);
        UdpHandler.markChecksumPartial(buf, 0, 10, len, 1450);
        assertThat((int) buf.getUnsignedByte(1)).isEqualTo(VnetHdr.GSO_TCPV6);
        assertThat(buf.getUnsignedShortLE(2)).isEqualTo(60);
        assertThat(buf.getUnsignedShortLE(4)).isEqualTo(1390);
    }

    @Test
    void ipv6WithExtensionHeadersOrAWrongLengthIsLeftForTheKernelToVerify() {
        for (int variant = 0; variant < 3; variant++) {
            ByteBuf p = Packets.tcpV6(100, new Random(7), 0x10);
            switch (variant) {
                case 0 -> p.setByte(6, 44); // a fragment header follows
                case 1 -> p.setByte(6, 58); // ICMPv6
                default -> p.setShort(4, 99); // payload length disagrees with the datagram
            }
            ByteBuf buf = Unpooled.buffer(10 + p.readableBytes());
            int len = p.readableBytes();
            buf.writeZero(10).writeBytes(p);
            UdpHandler.markChecksumPartial(buf, 0, 10, len, 1450);
            assertThat((int) buf.getUnsignedByte(0)).as("variant " + variant).isZero();
            assertThat(buf.getShort(10 + 56)).as("checksum untouched").isEqualTo(p.getShort(56));
        }
    }

    @Test
    void prefixTableHoldsBothFamiliesWithLongestMatchInEach() {
        Map<Cidr, String> m = new LinkedHashMap<>();
        m.put(Cidr.parse("198.18.2.0/24"), "b4");
        m.put(Cidr.parse("2001:db8:18::/48"), "wide6");
        m.put(Cidr.parse("2001:db8:18:2::/64"), "b6");
        m.put(Cidr.parse("2001:db8:18:2::1/128"), "vtep6");
        m.put(Cidr.parse("2001:db8:18:3::80/121"), "c6");
        PrefixTable<String> t = PrefixTable.of(m);
        assertThat(lookup6(t, "2001:db8:18:2::1")).isEqualTo("vtep6");
        assertThat(lookup6(t, "2001:db8:18:2::77")).isEqualTo("b6");
        assertThat(lookup6(t, "2001:db8:18:3::ff")).isEqualTo("c6");
        assertThat(lookup6(t, "2001:db8:18:3::7f")).isEqualTo("wide6");
        assertThat(lookup6(t, "2001:db8:19::1")).isNull();
        assertThat(t.lookup(IpAddress.parse("198.18.2.9").toIpv4Int())).isEqualTo("b4");
        // an IPv4 prefix never matches an IPv6 address with the same low 32 bits
        assertThat(t.lookup6(0, IpAddress.parse("198.18.2.9").toIpv4Int() & 0xffffffffL))
                .isNull();
        assertThat(PrefixTable.<String>empty().lookup6(0, 0)).isNull();
    }

    private static String lookup6(PrefixTable<String> t, String a) {
        IpAddress ip = IpAddress.parse(a);
        return t.lookup6(ip.high64(), ip.low64());
    }

    @Property(tries = 50)
    void ipv6PrefixTableAgreesWithLinearScan(@ForAll long seed) {
        Random r = new Random(seed);
        long base = 0x20010db800180000L;
        Map<Cidr, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            int len = 40 + r.nextInt(89); // /40 .. /128, across the 64-bit boundary
            m.put(Cidr.containing(IpAddress.ipv6(base | r.nextInt(4), r.nextInt(1 << 10)), len), i);
        }
        PrefixTable<Integer> t = PrefixTable.of(m);
        for (int i = 0; i < 500; i++) {
            IpAddress a = IpAddress.ipv6(base | r.nextInt(4), r.nextInt(1 << 10));
            Integer best = null;
            int bestLen = -1;
            for (Map.Entry<Cidr, Integer> e : m.entrySet()) {
                if (e.getKey().contains(a) && e.getKey().prefixLength() > bestLen) {
                    best = e.getValue();
                    bestLen = e.getKey().prefixLength();
                }
            }
            assertThat(t.lookup6(a.high64(), a.low64())).isEqualTo(best);
        }
    }

    static final class ByteBufEquals {
        static boolean equal(ByteBuf a, ByteBuf b) {
            return io.netty.buffer.ByteBufUtil.equals(a, b);
        }
    }
}
