package dev.weft.k8s.lock;

import dev.weft.id.PeerId;
import dev.weft.ipam.ring.RingGenesis;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
 * @param decisionToken names this bootstrap decision; the creator passes it to
 *                      {@code IpamNode.bootstrapAsCreator(token)}
 * @param ringGenesis   for a restored record: the genesis id of the ring that already exists
 */
public record BootstrapRecord(
        String creatorPeerId,
        String creatorNode,
        String clusterRange,
        int blockSize,
        List<String> seeds,
        Instant createdAt,
        String origin,
        String decisionToken,
        Optional<String> ringGenesis) {

    public static final String ORIGIN_SEEDED = "seeded";
    public static final String ORIGIN_RESTORED = "restored";

    public BootstrapRecord {
        seeds = List.copyOf(seeds);
    }

    /**
     * The genesis every agent must accept for the cluster's ring: for a seeded record the creator ring of
     * ({@code creatorPeerId}, {@code decisionToken}), as {@code IpamNode.bootstrapAsCreator} makes it; for a
     * restored record the genesis of the ring that already existed. Joiners pass it to
     * {@code IpamNode.expectGenesis}, so a ring from any other bootstrap is refused.
     */
    public RingGenesis genesis() {
        if (ringGenesis.isPresent()) return new RingGenesis(ringGenesis.get());
        return RingGenesis.creator(PeerId.parse(creatorPeerId), decisionToken);
    }
}
