package dev.weft.ipam;

/** Monotonic counters of one node's IPAM (for metrics). */
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
    long reclaims) {}
