package dev.weft.ipam;

/**
 * Monotonic counters of one node's IPAM (for metrics). Ring errors ({@code ringsRefusedTakeover},
 * {@code ringConflicts}, {@code ringMismatches}, {@code ringInvalid}) count full rings and deltas.
 *
 * @param deltasApplied remote deltas that changed the local ring
 * @param deltasUnchanged remote deltas that brought nothing new
 * @param deltasWithoutRing remote deltas ignored because this node has no ring yet (it needs a
 *     full state first)
 * @param deltasPublished deltas handed out by {@link IpamNode#takeOutgoingDelta()}
 */
public record IpamCounters(
        long allocations,
        long releases,
        long noSpace,
        long gcReleased,
        long ringsApplied,
        long ringsUnchanged,
        long ringsRefusedTakeover,
        long ringConflicts,
        long ringMismatches,
        long ringInvalid,
        long spaceRequestsSent,
        long spaceGrantsGiven,
        long spaceRequestsRefused,
        long spaceGrantsReceived,
        long spaceGrantsRefused,
        long reclaims,
        long deltasApplied,
        long deltasUnchanged,
        long deltasWithoutRing,
        long deltasPublished) {}
