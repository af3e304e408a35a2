package dev.weft.gossip.swim;

import java.time.Duration;

/**
 * Protocol parameters of one engine (derived from GossipConfig). Defaults follow memberlist's LAN profile, with
 * a shorter suspicion so a killed or hung member is declared dead within a few seconds in a small cluster.
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
        int maxRecordBytes) {

    public static SwimSettings defaults() {
        return new SwimSettings(Duration.ofMillis(1000), Duration.ofMillis(500), 3, 2, 3,
                Duration.ofMillis(200), 3, 4, Duration.ofSeconds(30), Duration.ofHours(1), 1400, 1024);
    }

    public SwimSettings {
        if (probeTimeout.compareTo(probeInterval) >= 0) {
            throw new IllegalArgumentException("probeTimeout (" + probeTimeout + ") must be shorter than probeInterval ("
                    + probeInterval + ")");
        }
        if (probeTimeout.isNegative() || probeTimeout.isZero() || gossipInterval.isNegative() || gossipInterval.isZero()
                || pushPullInterval.isNegative() || pushPullInterval.isZero() || tombstoneTtl.isNegative()) {
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
    }
}
