package dev.weft.gossip;

import dev.weft.gossip.swim.MemberView;

/**
 * What the agent hears from gossip. All methods are called on the node's event thread (the executor/event loop
 * given to {@link GossipNode}), one at a time, in order; they must not block. Exceptions are caught and logged.
 * The local member itself is never reported.
 */
public interface GossipListener {
    /** A member became ALIVE: newly known, back from SUSPECT (refuted), or back from DEAD/LEFT (restarted). */
    default void onMemberUp(MemberView member) {
    }

    default void onMemberSuspect(MemberView member) {
    }

    default void onMemberDead(MemberView member) {
    }

    /** The member left gracefully. */
    default void onMemberLeft(MemberView member) {
    }

    /** A live member published a new record ({@link MemberView#record()}). */
    default void onRecordChanged(MemberView member) {
    }

    /** A point-to-point message for us. */
    default void onMessage(String fromMemberId, String topic, byte[] payload) {
    }

    /** A registered CRDT channel's merge reported new state (after the merge was applied). */
    default void onChannelChanged(String name) {
    }
}
