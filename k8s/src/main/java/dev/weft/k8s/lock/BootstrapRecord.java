package dev.weft.k8s.lock;

import java.time.Instant;
import java.util.List;

/**
 * The content of the ring bootstrap ConfigMap: who created the ring, with which parameters, and when.
 *
 * @param creatorPeerId the peer that created the record
 * @param creatorNode   that peer's node
 * @param clusterRange  the cluster range the ring covers
 * @param blockSize     minimum block in addresses
 * @param seeds         the seed list the creator was configured with
 * @param createdAt     when the record was created
 * @param origin        {@code seeded} (the creator seeded a new ring) or {@code restored} (re-created by an agent
 *                      that already had ring state, after the object had been deleted)
 */
public record BootstrapRecord(
        String creatorPeerId,
        String creatorNode,
        String clusterRange,
        int blockSize,
        List<String> seeds,
        Instant createdAt,
        String origin) {

    public static final String ORIGIN_SEEDED = "seeded";
    public static final String ORIGIN_RESTORED = "restored";

    public BootstrapRecord {
        seeds = List.copyOf(seeds);
    }
}
