package dev.weft.k8s.lock;

import dev.weft.k8s.WeftKeys;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an agent proposes when it asks whether it should seed the ring.
 *
 * @param peerId           this agent's peer id
 * @param nodeName         this agent's node
 * @param clusterRange     the configured cluster range, e.g. {@code 10.32.0.0/12}
 * @param blockSize        the configured minimum block, in addresses
 * @param seeds            the configured seed list (node names), may be empty
 * @param persistedRingGenesis the genesis id of the ring this agent loaded from its state directory
 *                         ({@code ring.genesis().id()}), empty when it has none. An agent with a persisted ring
 *                         never seeds a new one, whatever the API server says.
 */
public record BootstrapClaim(
        String peerId,
        String nodeName,
        String clusterRange,
        int blockSize,
        List<String> seeds,
        Optional<String> persistedRingGenesis) {

    public BootstrapClaim {
        WeftKeys.requirePeerId("peer id", peerId);
        Objects.requireNonNull(nodeName, "nodeName");
        if (clusterRange == null || clusterRange.isBlank() || clusterRange.contains(",")) {
            throw new IllegalArgumentException("cluster range must be one CIDR, got '" + clusterRange + "'");
        }
        if (blockSize <= 0) throw new IllegalArgumentException("block size must be positive, got " + blockSize);
        Objects.requireNonNull(persistedRingGenesis, "persistedRingGenesis");
        seeds = List.copyOf(seeds);
        for (String s : seeds) {
            if (s.isBlank() || s.contains(",")) {
                throw new IllegalArgumentException(
                        "seed names must be non-empty and contain no comma, got '" + s + "'");
            }
        }
    }

    /** True when this agent has ring state of its own. */
    public boolean hasPersistedRing() {
        return persistedRingGenesis.isPresent();
    }
}
