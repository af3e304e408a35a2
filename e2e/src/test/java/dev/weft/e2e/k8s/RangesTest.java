package dev.weft.e2e.k8s;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RangesTest {
    @Test
    void boundsOfACidr() {
        assertArrayEquals(new long[] {0xC6120000L, 0xC6123FFFL}, Ranges.bounds("198.18.0.0/18"));
        assertArrayEquals(new long[] {0xC6120040L, 0xC612007FL}, Ranges.bounds("198.18.0.64/26"));
    }

    @Test
    void coverageByAUnionOfAdjacentCidrs() {
        List<String> have = List.of("198.18.0.0/26", "198.18.0.64/26", "198.18.1.0/24");
        assertTrue(Ranges.coveredByUnion(have, Ranges.bounds("198.18.0.0/25")));
        assertTrue(Ranges.coveredByUnion(have, Ranges.bounds("198.18.1.128/25")));
        assertFalse(Ranges.coveredByUnion(have, Ranges.bounds("198.18.0.0/24")), "198.18.0.128/25 is missing");
        assertFalse(Ranges.coveredByUnion(List.of(), Ranges.bounds("198.18.0.0/32")));
    }
}
