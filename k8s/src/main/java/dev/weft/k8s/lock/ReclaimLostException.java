package dev.weft.k8s.lock;

/**
 * A holder tried to complete or release a reclaim lock it no longer holds (its claim expired and another
 * peer took it over). The agent must assume the other peer reclaims the ranges too and let the ring's
 * conflict detection decide; it logs this loudly.
 */
public final class ReclaimLostException extends RuntimeException {
    public ReclaimLostException(String message) {
        super(message);
    }
}
