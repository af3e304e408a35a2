package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimingTest {
    private static final long S = 1_000_000_000L;

    @Test
    void suspicionMinimumGrowsWithLogOfClusterSize() {
        assertThat(Timing.suspicionMinNanos(2, 1, S)).isEqualTo(2 * S);
        assertThat(Timing.suspicionMinNanos(2, 10, S)).isEqualTo(2 * S);
        assertThat(Timing.suspicionMinNanos(2, 100, S)).isEqualTo(4 * S);
        assertThat(Timing.suspicionMinNanos(2, 1000, S)).isEqualTo(6 * S);
    }

    @Test
    void confirmationsShrinkTheTimeoutFromMaxToMin() {
        long min = 2 * S;
        long max = 6 * S;
        assertThat(Timing.suspicionTimeoutNanos(0, 3, min, max)).isEqualTo(max);
        assertThat(Timing.suspicionTimeoutNanos(1, 3, min, max)).isEqualTo(4 * S); // log2/log4 = 1/2
        assertThat(Timing.suspicionTimeoutNanos(2, 3, min, max)).isBetween(min, 4 * S);
        assertThat(Timing.suspicionTimeoutNanos(3, 3, min, max)).isEqualTo(min);
        assertThat(Timing.suspicionTimeoutNanos(9, 3, min, max)).isEqualTo(min);
        assertThat(Timing.suspicionTimeoutNanos(0, 0, min, max))
                .as("nobody can confirm")
                .isEqualTo(min);
    }

    @Test
    void retransmitLimitIsLogarithmic() {
        assertThat(Timing.retransmitLimit(4, 1)).isEqualTo(4);
        assertThat(Timing.retransmitLimit(4, 9)).isEqualTo(4);
        assertThat(Timing.retransmitLimit(4, 10)).isEqualTo(8);
        assertThat(Timing.retransmitLimit(4, 999)).isEqualTo(12);
        assertThat(Timing.retransmitLimit(4, 1000)).isEqualTo(16);
    }

    @Test
    void pushPullIntervalScalesPast32Members() {
        assertThat(Timing.pushPullIntervalNanos(30 * S, 32)).isEqualTo(30 * S);
        assertThat(Timing.pushPullIntervalNanos(30 * S, 64)).isEqualTo(60 * S);
        assertThat(Timing.pushPullIntervalNanos(30 * S, 1000)).isEqualTo(30 * S * 6);
    }

    @Test
    void expectedConfirmationsCappedByOthers() {
        assertThat(Timing.expectedConfirmations(3, 2)).isZero();
        assertThat(Timing.expectedConfirmations(3, 4)).isEqualTo(2);
        assertThat(Timing.expectedConfirmations(3, 100)).isEqualTo(3);
    }
}
