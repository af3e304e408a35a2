package dev.weft.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PeerIdTest {
    @Property
    void textRoundTripsAndIsAlwaysSixteenDigits(@ForAll long v) {
        if (v == 0) return;
        PeerId p = PeerId.of(v);
        assertEquals(16, p.toString().length());
        assertEquals(p, PeerId.parse(p.toString()));
        assertTrue(PeerId.isCanonical(p.toString()));
    }

    @Test
    void smallValuesArePaddedAndHighBitOrdersUnsigned() {
        assertEquals("0000000000000001", PeerId.of(1).toString());
        assertEquals("ffffffffffffffff", PeerId.of(-1).toString());
        assertTrue(PeerId.of(-1).compareTo(PeerId.of(1)) > 0);
    }

    @Test
    void rejectsZeroAndMalformedText() {
        assertThrows(IllegalArgumentException.class, () -> PeerId.of(0));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("0000000000000000"));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("abc"));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("zzzzzzzzzzzzzzzz"));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("+123456789abcdef"));
        assertTrue(PeerId.tryParse(null).isEmpty());
        assertFalse(PeerId.isCanonical("00000000000000AB"));
        assertEquals(PeerId.of(0xab), PeerId.parse("00000000000000AB"));
    }

    @Test
    void randomIsNeverZero() {
        var r = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) assertTrue(PeerId.random(r).value() != 0);
    }
}
