package dev.weft.k8s.lock;

import dev.weft.k8s.WeftKeys;
import java.util.List;
import java.util.Objects;

/**
 * What an agent proposes when it asks whether it should seed the ring.
 *
 * @param peerId           this agent's peer id
 * @param nodeName         this agent's node
 * @param clusterRange     the configured cluster range, e.g. {@code 10.32.0.0/12}
 * @param blockSize        the configured minimum block, in addresses
 * @param seeds            the configured seed list (node names), may be empty
 * @param hasPersistedRing true when this agent loaded ring state from its state directory: it then never
 *                         seeds a new ring, whatever the API server says
 */
public record BootstrapClaim(
        String peerId,
        String nodeName,
        String clusterRange,
        int blockSize,
        List<String> seeds,
        boolean hasPersistedRing) {

    public BootstrapClaim {
        WeftKeys.requirePeerId("peer id", peerId);
        Objects.requireNonNull(nodeName, "nodeName");
        if (clusterRange == null || clusterRange.isBlank() || clusterRange.contains(",")) {
            throw new IllegalArgumentException("cluster range must be one CIDR, got '" + clusterRange + "'");
        }
        if (blockSize <= 0) throw new IllegalArgumentException("block size must be positive, got " + blockSize);
        seeds = List.copyOf(seeds);
        for (String s : seeds) {
            if (s.isBlank() || s.contains(",")) {
                throw new IllegalArgumentException("seed names must be non-empty and contain no comma, got '" + s + "'");
            }
        }
    }
}
