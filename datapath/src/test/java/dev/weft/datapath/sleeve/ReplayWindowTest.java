package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    @Test
    void acceptsEachCounterOnce() {
        ReplayWindow w = new ReplayWindow();
        assertThat(w.accept(0)).isTrue();
        assertThat(w.accept(0)).isFalse();
        assertThat(w.accept(2)).isTrue();
        assertThat(w.accept(1)).isTrue();
        assertThat(w.accept(1)).isFalse();
        assertThat(w.accept(-1)).isFalse();
    }

    @Test
    void rejectsCountersBehindTheWindowAndClearsOnLargeJumps() {
        ReplayWindow w = new ReplayWindow();
        assertThat(w.accept(10)).isTrue();
        assertThat(w.accept(10 + 100_000)).isTrue();
        assertThat(w.accept(10)).isFalse();
        long top = 10 + 100_000;
        assertThat(w.accept(top - (ReplayWindow.SIZE - 64) + 1)).isTrue();
        assertThat(w.accept(top - (ReplayWindow.SIZE - 64))).isFalse();
        // slots reused after the jump were cleared: a counter in the new range that maps onto old bits
        assertThat(w.accept(top - 5)).isTrue();
    }

    /** Model check: against an exact set with the same window rule. */
    @Property(tries = 300)
    void behavesLikeAnExactSetWithinTheWindow(
            @ForAll @Size(max = 300) List<@LongRange(min = 0, max = 5000) Long> counters) {
        ReplayWindow w = new ReplayWindow();
        Set<Long> seen = new HashSet<>();
        long highest = -1;
        for (long c : counters) {
            boolean expected = !seen.contains(c) && (c > highest || highest - c < ReplayWindow.SIZE - 64);
            assertThat(w.accept(c))
                    .as("counter %d after highest %d", c, highest)
                    .isEqualTo(expected);
            if (expected) {
                seen.add(c);
                highest = Math.max(highest, c);
            }
        }
    }
}
