package dev.weft.ipam.addr;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class AddressPropertiesTest {

    @Provide
    Arbitrary<IpAddress> anyAddress() {
        Arbitrary<IpAddress> v4 = Arbitraries.integers().map(IpAddress::ipv4);
        // bias IPv6 towards zero groups so the '::' compression paths are exercised
        Arbitrary<Integer> group = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 0xffff)));
        Arbitrary<IpAddress> v6 = group.list().ofSize(8).map(gs -> {
            long h = 0;
            long l = 0;
            for (int k = 0; k < 4; k++) {
                h = (h << 16) | gs.get(k);
                l = (l << 16) | gs.get(k + 4);
            }
            return IpAddress.ipv6(h, l);
        });
        return Arbitraries.oneOf(v4, v6);
    }

    @Provide
    Arbitrary<IpRange> anyRange() {
        Arbitrary<IpRange> v4 = Combinators.combine(Arbitraries.integers(), Arbitraries.integers())
                .as((a, b) -> {
                    IpAddress x = IpAddress.ipv4(a);
                    IpAddress y = IpAddress.ipv4(b);
                    return x.compareTo(y) <= 0 ? IpRange.inclusive(x, y) : IpRange.of(y, x);
                });
        Arbitrary<IpRange> v6 = Combinators.combine(
                        anyAddress().filter(IpAddress::isIpv6),
                        Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(100)))
                .as((a, n) -> {
                    BigInteger room = BigInteger.ONE.shiftLeft(128).subtract(a.toBigInteger());
                    return IpRange.ofSize(a, n.min(room));
                });
        return Arbitraries.oneOf(v4, v6);
    }

    @Property
    void textRoundTrips(@ForAll("anyAddress") IpAddress a) {
        assertThat(IpAddress.parse(a.toString())).isEqualTo(a);
    }

    @Property
    void bytesAndJdkRoundTrip(@ForAll("anyAddress") IpAddress a) throws Exception {
        assertThat(IpAddress.ofBytes(a.bytes())).isEqualTo(a);
        assertThat(IpAddress.fromBigInteger(a.toBigInteger(), a.bitLength())).isEqualTo(a);
        // the JDK parser agrees with ours on our canonical text (literals: no lookup)
        assertThat(InetAddress.getByName(a.toString()).getAddress())
                .isEqualTo(a.toInetAddress().getAddress());
    }

    @Property
    void canonicalIpv6IsShortestLowerCase(@ForAll("anyAddress") IpAddress a) {
        String s = a.toString();
        assertThat(s).isEqualTo(s.toLowerCase());
        if (a.isIpv6()) {
            assertThat(s.indexOf("::")).isEqualTo(s.lastIndexOf("::"));
            assertThat(s).doesNotMatch(".*(^|:)0[0-9a-f].*");
            if (!s.startsWith("::ffff:") || s.indexOf('.') < 0) {
                int gap = s.indexOf("::");
                String head = gap < 0 ? s : s.substring(0, gap);
                String tail = gap < 0 ? "" : s.substring(gap + 2);
                int explicit =
                        (head.isEmpty() ? 0 : head.split(":").length) + (tail.isEmpty() ? 0 : tail.split(":").length);
                int compressed = 8 - explicit;
                assertThat(gap < 0 ? compressed == 0 : compressed >= 2).as(s).isTrue();
                // RFC 5952: the compressed run is the longest, the first one on a tie; no run of 2+ left
                // in the head may be as long, none in the tail longer
                assertThat(longestZeroRun(head)).as(s).isLessThan(Math.max(2, compressed));
                assertThat(longestZeroRun(tail)).as(s).isLessThanOrEqualTo(Math.max(1, compressed));
            }
        }
    }

    private static int longestZeroRun(String groups) {
        int best = 0;
        int run = 0;
        for (String g : groups.isEmpty() ? new String[0] : groups.split(":")) {
            run = g.equals("0") ? run + 1 : 0;
            best = Math.max(best, run);
        }
        return best;
    }

    @Property
    void plusAgreesWithBigInteger(@ForAll("anyAddress") IpAddress a, @ForAll long n) {
        BigInteger expected = a.toBigInteger().add(BigInteger.valueOf(n));
        boolean fits = expected.signum() >= 0 && expected.bitLength() <= a.bitLength();
        try {
            IpAddress r = a.plus(n);
            assertThat(fits).isTrue();
            assertThat(r.toBigInteger()).isEqualTo(expected);
            assertThat(a.distanceTo(r)).isEqualTo(BigInteger.valueOf(n));
        } catch (ArithmeticException e) {
            assertThat(fits).isFalse();
        }
    }

    @Property
    void orderMatchesNumericOrderWithinFamily(@ForAll("anyAddress") IpAddress a, @ForAll("anyAddress") IpAddress b) {
        if (a.sameFamily(b)) {
            assertThat(Integer.signum(a.compareTo(b)))
                    .isEqualTo(a.toBigInteger().compareTo(b.toBigInteger()));
        } else {
            assertThat(a.compareTo(b) < 0).isEqualTo(a.isIpv4());
        }
    }

    @Property
    void cidrContainingMatchesArithmetic(
            @ForAll("anyAddress") IpAddress a, @ForAll int rawPrefix, @ForAll("anyAddress") IpAddress b) {
        int prefix = Math.floorMod(rawPrefix, a.bitLength() + 1);
        Cidr c = Cidr.containing(a, prefix);
        assertThat(c.contains(a)).isTrue();
        assertThat(Cidr.parse(c.toString())).isEqualTo(c);
        assertThat(c.last().toBigInteger().subtract(c.first().toBigInteger()).add(BigInteger.ONE))
                .isEqualTo(c.size());
        assertThat(c.contains(b)).isEqualTo(c.toRange().contains(b));
        if (c.hostBits() > 0) {
            Cidr half = Cidr.containing(a, prefix + 1);
            assertThat(c.contains(half)).isTrue();
            assertThat(half.contains(c)).isFalse();
            assertThat(c.overlaps(half)).isTrue();
        }
    }

    @Property
    void toCidrsIsExactAlignedAndMinimal(@ForAll("anyRange") IpRange r) {
        List<Cidr> cidrs = r.toCidrs();
        BigInteger cursor = r.start().toBigInteger();
        BigInteger total = BigInteger.ZERO;
        Cidr prev = null;
        for (Cidr c : cidrs) {
            assertThat(c.network().toBigInteger()).isEqualTo(cursor);
            assertThat(r.contains(c)).isTrue();
            cursor = cursor.add(c.size());
            total = total.add(c.size());
            if (prev != null && prev.prefixLength() == c.prefixLength() && prev.prefixLength() > 0) {
                // two equal neighbours that form one aligned parent would not be minimal
                assertThat(Cidr.containing(prev.network(), prev.prefixLength() - 1)
                                .contains(c))
                        .isFalse();
            }
            prev = c;
        }
        assertThat(cursor).isEqualTo(r.endValue());
        assertThat(total).isEqualTo(r.size());
        // a range needs at most 2 * bits - 2 blocks
        assertThat(cidrs.size()).isLessThanOrEqualTo(Math.max(1, 2 * r.start().bitLength() - 2));
    }

    @Property
    void overlapIsSymmetricAndMatchesMembership(@ForAll("anyRange") IpRange a, @ForAll("anyRange") IpRange b) {
        assertThat(a.overlaps(b)).isEqualTo(b.overlaps(a));
        if (!a.isEmpty() && b.contains(a.start())) {
            assertThat(a.overlaps(b)).isTrue();
        }
        if (a.contains(b) && !b.isEmpty()) {
            assertThat(a.overlaps(b)).isTrue();
        }
    }
}
