package dev.weft.ipam.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

    @Test
    void parsesIpv4() {
        IpAddress a = IpAddress.parse("10.32.1.254");
        assertThat(a.isIpv4()).isTrue();
        assertThat(a.bitLength()).isEqualTo(32);
        assertThat(a.bytes()).containsExactly(10, 32, 1, (byte) 254);
        assertThat(a.toString()).isEqualTo("10.32.1.254");
        assertThat(a.toIpv4Int()).isEqualTo(0x0a2001fe);
        assertThat(IpAddress.parse("0.0.0.0").toBigInteger()).isEqualTo(BigInteger.ZERO);
        assertThat(IpAddress.parse("255.255.255.255").isMax()).isTrue();
    }

    @Test
    void parsesIpv6Forms() {
        assertThat(IpAddress.parse("::").toString()).isEqualTo("::");
        assertThat(IpAddress.parse("::1").toString()).isEqualTo("::1");
        assertThat(IpAddress.parse("1::").toString()).isEqualTo("1::");
        assertThat(IpAddress.parse("FD00:0:0:0:0:0:0:1").toString()).isEqualTo("fd00::1");
        assertThat(IpAddress.parse("2001:db8:0:0:1:0:0:1").toString()).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpAddress.parse("2001:db8:0:1:1:1:1:1").toString()).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpAddress.parse("2001:0db8:0000:0000:0000:ff00:0042:8329").toString())
                .isEqualTo("2001:db8::ff00:42:8329");
        assertThat(IpAddress.parse("::ffff:10.0.0.1").toString()).isEqualTo("::ffff:10.0.0.1");
        assertThat(IpAddress.parse("::ffff:10.0.0.1").isIpv6()).isTrue();
        assertThat(IpAddress.parse("64:ff9b::192.0.2.33").toString()).isEqualTo("64:ff9b::c000:221");
        assertThat(IpAddress.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").isMax())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1.2.3",
                "1.2.3.4.5",
                "256.1.1.1",
                "01.2.3.4",
                "1.2.3.-4",
                "1..2.3",
                "a.b.c.d",
                "1.2.3.4 ",
                " 1.2.3.4",
                "localhost",
                "1.2.3.4/32",
                ":",
                ":::",
                "1:2:3:4:5:6:7:8:9",
                "1::2::3",
                "12345::",
                "fe80::1%eth0",
                ":1::",
                "1::2:",
                "1:2:3:4:5:6:7",
                "g::",
                "1:2:3:4:5:6:7::8",
                "::1.2.3",
                "1:2:3:4:5:6:7:1.2.3.4",
                "1.2.3.4::"
            })
    void rejectsBadInputNamingIt(String bad) {
        assertThatThrownBy(() -> IpAddress.parse(bad))
                .isInstanceOf(InvalidAddressException.class)
                .satisfies(
                        e -> assertThat(((InvalidAddressException) e).input()).isEqualTo(bad))
                .hasMessageContaining("'" + bad + "'");
    }

    @Test
    void rejectsNullAndBadByteCounts() {
        assertThatThrownBy(() -> IpAddress.parse(null)).isInstanceOf(InvalidAddressException.class);
        assertThatThrownBy(() -> IpAddress.ofBytes(new byte[5]))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("0000000000");
    }

    @Test
    void convertsToAndFromInetAddress() throws Exception {
        InetAddress v6 = InetAddress.getByName("fd00::42");
        assertThat(IpAddress.of(v6)).isEqualTo(IpAddress.parse("fd00::42"));
        assertThat(IpAddress.parse("fd00::42").toInetAddress()).isEqualTo(v6);
        assertThat(IpAddress.parse("192.0.2.1").toInetAddress()).isEqualTo(InetAddress.getByName("192.0.2.1"));
    }

    @Test
    void arithmetic() {
        IpAddress a = IpAddress.parse("10.0.0.255");
        assertThat(a.plus(1)).isEqualTo(IpAddress.parse("10.0.1.0"));
        assertThat(a.plus(-256)).isEqualTo(IpAddress.parse("9.255.255.255"));
        assertThat(a.next().previous()).isEqualTo(a);
        assertThatThrownBy(() -> IpAddress.parse("255.255.255.255").plus(1)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> IpAddress.parse("0.0.0.0").plus(-1)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> a.plus(Long.MAX_VALUE)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> a.plus(Long.MIN_VALUE)).isInstanceOf(ArithmeticException.class);

        IpAddress b = IpAddress.parse("fd00::ffff:ffff:ffff:ffff");
        assertThat(b.plus(1)).isEqualTo(IpAddress.parse("fd00:0:0:1::"));
        assertThat(b.plus(1).plus(-1)).isEqualTo(b);
        assertThatThrownBy(() -> IpAddress.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
                        .plus(1))
                .isInstanceOf(ArithmeticException.class);
        assertThat(IpAddress.parse("10.0.0.0").distanceTo(IpAddress.parse("10.0.1.0")))
                .isEqualTo(BigInteger.valueOf(256));
        assertThatThrownBy(() -> a.distanceTo(b)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ordersIpv4BeforeIpv6AndNumerically() {
        assertThat(IpAddress.parse("255.255.255.255")).isLessThan(IpAddress.parse("::"));
        assertThat(IpAddress.parse("10.0.0.2")).isGreaterThan(IpAddress.parse("9.255.0.0"));
        assertThat(IpAddress.parse("8000::")).isGreaterThan(IpAddress.parse("7fff::"));
        assertThat(IpAddress.parse("::8000:0:0:0")).isGreaterThan(IpAddress.parse("::7fff:0:0:0"));
        assertThat(IpAddress.parse("10.0.0.1")).isNotEqualTo(IpAddress.parse("::10.0.0.1"));
    }
}
