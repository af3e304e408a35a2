package dev.weft.e2e.k8s;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangesTest {
    private static BigInteger[] big(long a, long b) {
        return new BigInteger[] {BigInteger.valueOf(a), BigInteger.valueOf(b)};
    }

    @Test
    void boundsOfACidr() {
        assertArrayEquals(big(0xC6120000L, 0xC6123FFFL), Ranges.bounds("198.18.0.0/18"));
        assertArrayEquals(big(0xC6120040L, 0xC612007FL), Ranges.bounds("198.18.0.64/26"));
        BigInteger base = new BigInteger("20010db8001800000000000000000000", 16);
        assertArrayEquals(
                new BigInteger[] {base.add(BigInteger.valueOf(0x100)), base.add(BigInteger.valueOf(0x1ff))},
                Ranges.bounds("2001:db8:18::100/120"));
        assertThrows(IllegalArgumentException.class, () -> Ranges.bounds("198.18.0.1/24"));
        assertThrows(IllegalArgumentException.class, () -> Ranges.bounds("example.org/24"));
    }

    @Test
    void coverageByAUnionOfAdjacentCidrs() {
        List<String> have = List.of("198.18.0.0/26", "198.18.0.64/26", "198.18.1.0/24");
        assertTrue(Ranges.coveredByUnion(have, Ranges.bounds("198.18.0.0/25")));
        assertTrue(Ranges.coveredByUnion(have, Ranges.bounds("198.18.1.128/25")));
        assertFalse(Ranges.coveredByUnion(have, Ranges.bounds("198.18.0.0/24")), "198.18.0.128/25 is missing");
        assertFalse(Ranges.coveredByUnion(List.of(), Ranges.bounds("198.18.0.0/32")));
        List<String> have6 = List.of("2001:db8:18::/120", "2001:db8:18::100/120");
        assertTrue(Ranges.coveredByUnion(have6, Ranges.bounds("2001:db8:18::/119")));
        assertFalse(Ranges.coveredByUnion(have6, Ranges.bounds("2001:db8:18::/118")));
    }

    @Test
    void membershipIsPerFamily() {
        assertTrue(Ranges.contains("2001:db8:18::/112", "2001:db8:18::8002"));
        assertFalse(Ranges.contains("2001:db8:18::/112", "2001:db8:19::1"));
        assertFalse(Ranges.contains("198.18.0.0/16", "2001:db8:18::1"));
        assertTrue(Ranges.contains("198.18.0.0/16", "198.18.64.2"));
        assertTrue(Ranges.inside("2001:db8:18::/112", "2001:db8:18::200/120"));
        assertFalse(Ranges.inside("2001:db8:18::/112", "2001:db8:18::/111"));
        assertFalse(Ranges.inside("198.18.0.0/16", "2001:db8:18::200/120"));
        assertTrue(Ranges.isIpv6("2001:db8:5e::1"));
        assertFalse(Ranges.isIpv6("198.51.100.1"));
    }
}
