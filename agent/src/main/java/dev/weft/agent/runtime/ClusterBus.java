package dev.weft.agent.runtime;

import dev.weft.gossip.GossipStatus;

/** What the agent's logic needs from gossip (adapted from the gossip node; faked in tests). */
interface ClusterBus {
    /** Publishes this node's record (owner-writes). */
    void publishRecord(byte[] record);

    /** The local state of a CRDT channel changed: push it to a few members now. */
    void channelChanged(String channel);

    /** A point-to-point message to a member (best effort; the sender retries on its own schedule). */
    void send(String memberId, String topic, byte[] payload);

    GossipStatus status();
}
