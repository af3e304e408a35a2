package dev.weft.gossip.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.wire.ReplayGuard.Verdict;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {
    private final ReplayGuard g = new ReplayGuard(60_000, 100);

    @Test
    void acceptsEachCounterOnceEvenReordered() {
        assertThat(g.accept(1, 10, 0, 0)).isEqualTo(Verdict.FRESH);
        assertThat(g.accept(1, 12, 0, 0)).isEqualTo(Verdict.FRESH);
        assertThat(g.accept(1, 11, 0, 0)).isEqualTo(Verdict.FRESH);
        assertThat(g.accept(1, 11, 0, 0)).isEqualTo(Verdict.REPLAYED);
        assertThat(g.accept(1, 12, 0, 0)).isEqualTo(Verdict.REPLAYED);
        assertThat(g.accept(1, 10, 0, 0)).isEqualTo(Verdict.REPLAYED);
        assertThat(g.accept(2, 10, 0, 0)).as("other instance").isEqualTo(Verdict.FRESH);
    }

    @Test
    void windowSlidesAcrossWordBoundaries() {
        for (long c = 0; c < 5000; c += 3) {
            assertThat(g.accept(7, c, 0, 0)).isEqualTo(Verdict.FRESH);
        }
        for (long c = 4999 - ReplayGuard.WINDOW + 10; c < 5000; c++) {
            Verdict v = g.accept(7, c, 0, 0);
            assertThat(v).as("counter %d", c).isEqualTo(c % 3 == 0 ? Verdict.REPLAYED : Verdict.FRESH);
        }
        assertThat(g.accept(7, 100, 0, 0)).as("older than the window").isEqualTo(Verdict.REPLAYED);
    }

    @Test
    void refusesStaleTimestamps() {
        assertThat(g.accept(1, 1, 0, 60_001)).isEqualTo(Verdict.STALE);
        assertThat(g.accept(1, 1, 120_000, 0)).isEqualTo(Verdict.STALE);
        assertThat(g.accept(1, 1, 1, 60_000)).isEqualTo(Verdict.FRESH);
    }

    @Test
    void boundedNumberOfInstances() {
        for (long i = 0; i < 1000; i++) {
            g.accept(i, 0, 0, 0);
        }
        assertThat(g.trackedInstances()).isLessThanOrEqualTo(100);
    }
}
