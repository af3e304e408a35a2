package dev.weft.gossip;

import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;

/**
 * What the agent hears from gossip. All methods are called on the node's event thread (the executor/event loop
 * given to {@link GossipNode}), one at a time, in order; they must not block (hand the event to the owner's own
 * thread). Exceptions are caught and logged. The local member itself is never reported. Channel changes are not
 * reported here: the channel's owner knows when it learned something (see {@link CrdtChannel}).
 */
public interface GossipListener {
    /** A member became ALIVE: newly known, back from SUSPECT (refuted), or back from DEAD/LEFT (restarted). */
    default void onMemberUp(MemberView member) {}

    default void onMemberSuspect(MemberView member) {}

    default void onMemberDead(MemberView member) {}

    /** The member left gracefully. */
    default void onMemberLeft(MemberView member) {}

    /** A live member published a new record ({@link MemberView#record()}). */
    default void onRecordChanged(MemberView member) {}

    /**
     * The first valid signature from legacy id {@code id} (one from before identity keys) pinned
     * {@code publicKey} for it (trust on first sight, {@link dev.weft.gossip.identity.PeerKeys}): persist it and
     * pass it back as {@link GossipConfig#pinnedKeys()} at the next start.
     */
    default void onKeyPinned(PeerId id, byte[] publicKey) {}

    /** A point-to-point message for us. */
    default void onMessage(PeerId from, String topic, byte[] payload) {}

    /** Calls the method for {@code member}'s new state (onMemberUp for ALIVE, and so on). */
    default void onMemberChanged(MemberView member) {
        switch (member.state()) {
            case ALIVE -> onMemberUp(member);
            case SUSPECT -> onMemberSuspect(member);
            case DEAD -> onMemberDead(member);
            case LEFT -> onMemberLeft(member);
        }
    }
}
