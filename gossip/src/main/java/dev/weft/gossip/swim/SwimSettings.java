package dev.weft.gossip.swim;

import java.time.Duration;

/**
 * Protocol parameters of one engine (derived from GossipConfig). Defaults follow memberlist's LAN profile, with
 * a shorter suspicion so a killed or hung member is declared dead within a few seconds in a small cluster.
 *
 * @param digestRepairGrace how long a member's channel digest must keep differing from ours before that channel is
 *                          exchanged in full (default 2 probe intervals: deltas in flight land first)
 * @param maxDeltaBytes     largest delta {@code publishDelta} accepts and a receiver takes (default 1 MiB)
 */
public record SwimSettings(
        Duration probeInterval,
        Duration probeTimeout,
        int indirectChecks,
        int suspicionMult,
        int suspicionMaxMult,
        Duration gossipInterval,
        int gossipFanout,
        int retransmitMult,
        Duration pushPullInterval,
        Duration tombstoneTtl,
        int maxUdpPayload,
        int maxRecordBytes,
        Duration digestRepairGrace,
        int maxDeltaBytes) {

    /** Default of {@link #maxDeltaBytes}: 1 MiB. */
    public static final int DEFAULT_MAX_DELTA_BYTES = 1 << 20;

    public static SwimSettings defaults() {
        return new SwimSettings(
                Duration.ofMillis(1000),
                Duration.ofMillis(500),
                3,
                2,
                3,
                Duration.ofMillis(200),
                3,
                4,
                Duration.ofSeconds(30),
                Duration.ofHours(1),
                1400,
                1024);
    }

    /**
     * The settings without the channel options: digest repair grace of 2 probe intervals, deltas up to
     * {@link #DEFAULT_MAX_DELTA_BYTES}.
     */
    public SwimSettings(
            Duration probeInterval,
            Duration probeTimeout,
            int indirectChecks,
            int suspicionMult,
            int suspicionMaxMult,
            Duration gossipInterval,
            int gossipFanout,
            int retransmitMult,
            Duration pushPullInterval,
            Duration tombstoneTtl,
            int maxUdpPayload,
            int maxRecordBytes) {
        this(
                probeInterval,
                probeTimeout,
                indirectChecks,
                suspicionMult,
                suspicionMaxMult,
                gossipInterval,
                gossipFanout,
                retransmitMult,
                pushPullInterval,
                tombstoneTtl,
                maxUdpPayload,
                maxRecordBytes,
                probeInterval.multipliedBy(2),
                DEFAULT_MAX_DELTA_BYTES);
    }

    /** A copy with another digest repair grace (how long a channel digest must differ before a full exchange). */
    public SwimSettings withDigestRepairGrace(Duration grace) {
        return new SwimSettings(
                probeInterval,
                probeTimeout,
                indirectChecks,
                suspicionMult,
                suspicionMaxMult,
                gossipInterval,
                gossipFanout,
                retransmitMult,
                pushPullInterval,
                tombstoneTtl,
                maxUdpPayload,
                maxRecordBytes,
                grace,
                maxDeltaBytes);
    }

    /** A copy with another delta size cap. */
    public SwimSettings withMaxDeltaBytes(int max) {
        return new SwimSettings(
                probeInterval,
                probeTimeout,
                indirectChecks,
                suspicionMult,
                suspicionMaxMult,
                gossipInterval,
                gossipFanout,
                retransmitMult,
                pushPullInterval,
                tombstoneTtl,
                maxUdpPayload,
                maxRecordBytes,
                digestRepairGrace,
                max);
    }

    public SwimSettings {
        if (probeTimeout.compareTo(probeInterval) >= 0) {
            throw new IllegalArgumentException(
                    "probeTimeout (" + probeTimeout + ") must be shorter than probeInterval (" + probeInterval + ")");
        }
        if (probeTimeout.isNegative()
                || probeTimeout.isZero()
                || gossipInterval.isNegative()
                || gossipInterval.isZero()
                || pushPullInterval.isNegative()
                || pushPullInterval.isZero()
                || tombstoneTtl.isNegative()) {
            throw new IllegalArgumentException("intervals must be positive");
        }
        if (indirectChecks < 0 || suspicionMult < 1 || suspicionMaxMult < 1 || gossipFanout < 1 || retransmitMult < 1) {
            throw new IllegalArgumentException("counts and multipliers must be >= 1 (indirectChecks >= 0)");
        }
        if (maxUdpPayload < 512 || maxUdpPayload > 65000) {
            throw new IllegalArgumentException("maxUdpPayload must be 512..65000, got " + maxUdpPayload);
        }
        if (maxRecordBytes < 0 || maxRecordBytes > maxUdpPayload - 256) {
            throw new IllegalArgumentException("maxRecordBytes must be 0.." + (maxUdpPayload - 256)
                    + " so an ALIVE update with its record fits one datagram, got " + maxRecordBytes);
        }
        if (digestRepairGrace == null || digestRepairGrace.isNegative()) {
            throw new IllegalArgumentException("digestRepairGrace must be >= 0, got " + digestRepairGrace);
        }
        if (maxDeltaBytes < 1) {
            throw new IllegalArgumentException("maxDeltaBytes must be >= 1, got " + maxDeltaBytes);
        }
    }
}
