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
 * @param ringEntriesUnproven changed entries and tombstones of full states left out of the merge: the sender is not
 *     their author and no second sender showed them yet (see {@code FullStateTrust})
 * @param ringEntriesCorroborated changed entries and tombstones of full states believed because two distinct senders
 *     showed them
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
        long deltasPublished,
        long ringEntriesUnproven,
        long ringEntriesCorroborated) {}
