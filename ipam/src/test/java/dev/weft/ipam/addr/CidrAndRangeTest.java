package dev.weft.ipam.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrAndRangeTest {

    private static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    @Test
    void cidrBasics() {
        Cidr c = Cidr.parse("10.32.0.0/12");
        assertThat(c.network()).isEqualTo(ip("10.32.0.0"));
        assertThat(c.prefixLength()).isEqualTo(12);
        assertThat(c.first()).isEqualTo(ip("10.32.0.0"));
        assertThat(c.last()).isEqualTo(ip("10.47.255.255"));
        assertThat(c.sizeLong()).isEqualTo(1 << 20);
        assertThat(c.size()).isEqualTo(BigInteger.valueOf(1 << 20));
        assertThat(c.contains(ip("10.47.255.255"))).isTrue();
        assertThat(c.contains(ip("10.48.0.0"))).isFalse();
        assertThat(c.contains(ip("::a20:1"))).isFalse();
        assertThat(c.contains(Cidr.parse("10.40.0.0/16"))).isTrue();
        assertThat(c.contains(Cidr.parse("10.0.0.0/8"))).isFalse();
        assertThat(c.overlaps(Cidr.parse("10.0.0.0/8"))).isTrue();
        assertThat(c.overlaps(Cidr.parse("10.48.0.0/12"))).isFalse();
        assertThat(c.toString()).isEqualTo("10.32.0.0/12");
        assertThat(Cidr.parse("0.0.0.0/0").sizeLong()).isEqualTo(1L << 32);
        assertThat(Cidr.parse("0.0.0.0/0").last()).isEqualTo(ip("255.255.255.255"));
        assertThat(Cidr.host(ip("10.0.0.1")).toString()).isEqualTo("10.0.0.1/32");
    }

    @Test
    void ipv6Cidrs() {
        Cidr c = Cidr.parse("fd00:32::/48");
        assertThat(c.last()).isEqualTo(ip("fd00:32:0:ffff:ffff:ffff:ffff:ffff"));
        assertThat(c.size()).isEqualTo(BigInteger.ONE.shiftLeft(80));
        assertThatThrownBy(c::sizeLong).isInstanceOf(ArithmeticException.class);
        assertThat(Cidr.parse("fd00::/64").last()).isEqualTo(ip("fd00::ffff:ffff:ffff:ffff"));
        assertThat(Cidr.parse("fd00::/100").sizeLong()).isEqualTo(1L << 28);
        assertThat(Cidr.parse("::/0").last().isMax()).isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(ip("fdff::1"))).isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(ip("fe00::"))).isFalse();
        assertThat(Cidr.parse("fd00::/8").contains(ip("10.0.0.1"))).isFalse();
    }

    @Test
    void hostBitsRejectedUnlessContaining() {
        assertThatThrownBy(() -> Cidr.parse("10.32.0.1/12"))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("10.32.0.1/12")
                .hasMessageContaining("10.32.0.0/12");
        assertThatThrownBy(() -> Cidr.of(ip("fd00::1"), 64)).isInstanceOf(InvalidAddressException.class);
        assertThat(Cidr.containing(ip("10.32.0.1"), 12)).isEqualTo(Cidr.parse("10.32.0.0/12"));
        assertThat(Cidr.containing(ip("fd00::1"), 64)).isEqualTo(Cidr.parse("fd00::/64"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0",
                "10.0.0.0/",
                "10.0.0.0/33",
                "10.0.0.0/-1",
                "10.0.0.0/08",
                "10.0.0.0/1a",
                "x/8",
                "fd00::/129",
                "/8",
                "10.0.0.0/8/8"
            })
    void badCidrsNameTheInput(String bad) {
        assertThatThrownBy(() -> Cidr.parse(bad))
                .isInstanceOf(InvalidAddressException.class)
                .satisfies(
                        e -> assertThat(((InvalidAddressException) e).input()).isEqualTo(bad));
    }

    @Test
    void rangeDecomposition() {
        assertThat(IpRange.of(ip("10.0.0.0"), ip("10.0.1.0")).toCidrs()).containsExactly(Cidr.parse("10.0.0.0/24"));
        assertThat(IpRange.of(ip("10.0.0.64"), ip("10.0.1.128")).toCidrs())
                .containsExactly(Cidr.parse("10.0.0.64/26"), Cidr.parse("10.0.0.128/25"), Cidr.parse("10.0.1.0/25"));
        assertThat(IpRange.inclusive(ip("10.0.0.1"), ip("10.0.0.6")).toCidrs())
                .containsExactly(
                        Cidr.parse("10.0.0.1/32"),
                        Cidr.parse("10.0.0.2/31"),
                        Cidr.parse("10.0.0.4/31"),
                        Cidr.parse("10.0.0.6/32"));
        assertThat(IpRange.inclusive(ip("0.0.0.0"), ip("255.255.255.255")).toCidrs())
                .containsExactly(Cidr.parse("0.0.0.0/0"));
        assertThat(IpRange.inclusive(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
                        .toCidrs())
                .containsExactly(Cidr.parse("::/0"));
        assertThat(IpRange.of(ip("fd00::8"), ip("fd00::1:0")).toCidrs())
                .containsExactly(
                        Cidr.parse("fd00::8/125"),
                        Cidr.parse("fd00::10/124"),
                        Cidr.parse("fd00::20/123"),
                        Cidr.parse("fd00::40/122"),
                        Cidr.parse("fd00::80/121"),
                        Cidr.parse("fd00::100/120"),
                        Cidr.parse("fd00::200/119"),
                        Cidr.parse("fd00::400/118"),
                        Cidr.parse("fd00::800/117"),
                        Cidr.parse("fd00::1000/116"),
                        Cidr.parse("fd00::2000/115"),
                        Cidr.parse("fd00::4000/114"),
                        Cidr.parse("fd00::8000/113"));
        assertThat(IpRange.of(ip("10.0.0.5"), ip("10.0.0.5")).toCidrs()).isEmpty();
    }

    @Test
    void rangeBasics() {
        IpRange r = IpRange.of(ip("10.0.0.10"), ip("10.0.0.20"));
        assertThat(r.sizeLong()).isEqualTo(10);
        assertThat(r.contains(ip("10.0.0.10"))).isTrue();
        assertThat(r.contains(ip("10.0.0.20"))).isFalse();
        assertThat(r.last()).isEqualTo(ip("10.0.0.19"));
        assertThat(r.overlaps(IpRange.of(ip("10.0.0.19"), ip("10.0.0.30")))).isTrue();
        assertThat(r.overlaps(IpRange.of(ip("10.0.0.20"), ip("10.0.0.30")))).isFalse();
        assertThat(r.contains(IpRange.of(ip("10.0.0.11"), ip("10.0.0.20")))).isTrue();
        assertThat(r.toString()).isEqualTo("[10.0.0.10, 10.0.0.20)");
        assertThat(IpRange.parse("10.0.0.10-10.0.0.19")).isEqualTo(r);
        IpRange top = Cidr.parse("255.0.0.0/8").toRange();
        assertThat(top.endValue()).isEqualTo(BigInteger.ONE.shiftLeft(32));
        assertThatThrownBy(top::end).isInstanceOf(IllegalStateException.class);
        assertThat(top.toString()).isEqualTo("[255.0.0.0, 255.255.255.255]");
        assertThatThrownBy(() -> IpRange.of(ip("10.0.0.2"), ip("10.0.0.1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpRange.of(ip("10.0.0.2"), ip("fd00::"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpRange.parse("10.0.0.9-10.0.0.1"))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("10.0.0.9-10.0.0.1");
        assertThatThrownBy(() -> IpRange.parse("10.0.0.1-fd00::")).isInstanceOf(InvalidAddressException.class);
        assertThat(List.of(IpRange.ofSize(ip("fd00::"), BigInteger.TEN).last())).containsExactly(ip("fd00::9"));
    }
}
