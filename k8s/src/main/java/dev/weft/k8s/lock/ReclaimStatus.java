package dev.weft.k8s.lock;

/**
 * Counters of one {@link ReclaimLock}.
 *
 * @param acquired  claims won (created or taken over)
 * @param takeovers of which taken over from an expired holder
 * @param lost      attempts that found another holder or a completed reclaim
 * @param completed reclaims marked done by this agent
 * @param released  claims given back without reclaiming
 * @param cleaned   completed records deleted by {@link ReclaimLock#cleanup()}
 */
public record ReclaimStatus(long acquired, long takeovers, long lost, long completed, long released, long cleaned) {}
