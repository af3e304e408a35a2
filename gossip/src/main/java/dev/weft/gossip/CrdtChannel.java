package dev.weft.gossip;

import dev.weft.id.PeerId;

/**
 * A named state channel whose content and merge rule belong to its owner (the agent's controller, e.g. for the
 * IPAM ring). Gossip never merges and never waits on the owner: it ships {@link #localState()} (in every
 * push-pull, in digest repair, and pushed to a few members when the owner asks) and deltas the owner publishes
 * with {@link GossipNode#publishDelta}, and it hands what it receives over with {@link #receive} and
 * {@link #receiveDelta}.
 *
 * <p>Threading: all three methods are called on the gossip node's event thread and must return at once: no
 * locks held by slow work, no disk, no waiting on another thread. The owner merges on its own thread and, if it
 * learned something, updates the cached state and calls {@link GossipNode#channelUpdated(String)}. Merge must be
 * commutative, associative and idempotent (full state and deltas may arrive more than once over different paths,
 * in any order, and after the owner already has them).
 */
public interface CrdtChannel {
    /**
     * The owner's current full state, cached by the owner; called on the gossip thread; must return at once.
     * Equal states encode to equal bytes (gossip compares 8-byte digests of it). Must fit the stream frame cap
     * ({@link GossipConfig#maxStreamFrameBytes()}).
     */
    byte[] localState();

    /**
     * Full remote state (join, push-pull, digest repair, pushes) handed over; returns at once without merging;
     * the owner merges on its own thread and, if it learned something, calls
     * {@link GossipNode#channelUpdated(String)}. May throw on an obviously bad input (counted as
     * {@code channel_merge_failed}, never fatal). The array is the owner's to keep.
     *
     * @param from the member that sent this state, proven: the state is always its own (a member ships only its own
     *     {@link #localState()}) and carries its signature over the channel name, its id and the bytes, verified
     *     with its known identity key before this call (unsigned, badly signed or re-sent under another id: dropped
     *     and counted). The entries in it are not necessarily written by {@code from}: it relays what it learned, so
     *     the owner decides what it believes from whom (the IPAM ring: {@code FullStateTrust})
     */
    void receive(PeerId from, byte[] state);

    /**
     * A delta another member published with {@link GossipNode#publishDelta}; same hand-over rules. Delivered at
     * most once per publication to each member (deduplicated by origin and sequence number), in no guaranteed
     * order; a member that missed it gets the effect through full state later.
     *
     * @param from the member that published it (its origin, not the member that relayed it)
     */
    void receiveDelta(PeerId from, byte[] delta);
}
