package dev.weft.k8s.discovery;

/**
 * Counters of one {@link NodeDiscovery}, for {@code weft status} and metrics.
 *
 * @param synced            the initial list of nodes has been delivered
 * @param nodes             nodes currently known
 * @param nodesWithoutAddress known nodes that have no usable address of the preferred types
 * @param added             {@link NodeEvent.Added} events emitted
 * @param updated           {@link NodeEvent.Updated} events emitted
 * @param deleted           {@link NodeEvent.Deleted} events emitted
 * @param ignoredUpdates    updates from the API server that changed nothing Weft uses (heartbeats, resyncs)
 * @param apiErrors         failed list/watch attempts (each retried with backoff)
 */
public record DiscoveryStatus(
        boolean synced,
        int nodes,
        int nodesWithoutAddress,
        long added,
        long updated,
        long deleted,
        long ignoredUpdates,
        long apiErrors) {}
