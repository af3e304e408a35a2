package dev.weft.gossip;

/**
 * A named state channel whose content and merge rule belong to the agent (e.g. the IPAM ring). Gossip ships
 * {@link #localState()} to other members (in every push-pull exchange, and pushed to a few members after a
 * change) and hands what it receives to {@link #merge}. Merge must be commutative, associative and idempotent.
 *
 * <p>Both methods are called on the gossip node's event thread; they must not block. Returning true from merge
 * makes gossip pass the state on, so it must be true only when something new was learned (an empty delta stops
 * propagation).
 */
public interface CrdtChannel {
    /** Encoded current full state. Must fit the TCP frame cap ({@link GossipConfig#maxStreamFrameBytes()}). */
    byte[] localState();

    /**
     * Merge a remote member's state into ours.
     *
     * @return true if our state changed
     * @throws RuntimeException on undecodable or invalid input (counted as channel_merge_failed, never fatal)
     */
    boolean merge(byte[] remoteState);
}
