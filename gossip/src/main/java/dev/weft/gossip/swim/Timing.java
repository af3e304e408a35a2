package dev.weft.gossip.swim;

/** The protocol's timing formulas (SWIM + Lifeguard, the same shapes as hashicorp/memberlist), pure and tested. */
public final class Timing {
    private Timing() {}

    /** Scale factor for cluster size n: max(1, log10(n)). */
    public static double sizeScale(int n) {
        return Math.max(1.0, Math.log10(Math.max(1, n)));
    }

    /** Minimum suspicion timeout: mult * max(1, log10(n)) * probeInterval. */
    public static long suspicionMinNanos(int suspicionMult, int n, long probeIntervalNanos) {
        return (long) (suspicionMult * sizeScale(n) * probeIntervalNanos);
    }

    /**
     * Suspicion timeout after {@code confirmations} independent confirmations out of {@code expected}: starts at
     * max and falls logarithmically to min as confirmations arrive (Lifeguard).
     */
    public static long suspicionTimeoutNanos(int confirmations, int expected, long minNanos, long maxNanos) {
        if (expected < 1 || confirmations >= expected) {
            return minNanos;
        }
        double frac = Math.log(confirmations + 1.0) / Math.log(expected + 1.0);
        long t = (long) (maxNanos - frac * (maxNanos - minNanos));
        return Math.max(minNanos, t);
    }

    /** How many times each broadcast is piggybacked: mult * ceil(log10(n + 1)). */
    public static int retransmitLimit(int retransmitMult, int n) {
        return retransmitMult * (int) Math.ceil(Math.log10(n + 1.0));
    }

    /** Push-pull interval grows with cluster size past 32 members so the total TCP load stays bounded. */
    public static long pushPullIntervalNanos(long baseNanos, int n) {
        if (n <= 32) {
            return baseNanos;
        }
        double mult = Math.ceil(Math.log(n) / Math.log(2) - Math.log(32) / Math.log(2)) + 1.0;
        return (long) (baseNanos * mult);
    }

    /** Confirmations a suspicion waits for: the indirect probe count, but at most n - 2 (others besides us and it). */
    public static int expectedConfirmations(int indirectChecks, int n) {
        return Math.max(0, Math.min(indirectChecks, n - 2));
    }
}
