package dev.weft.k8s.discovery;

/** A change in the set of Nodes, as Weft sees it. */
public sealed interface NodeEvent {

    /** The node the event is about (after the change; for a deletion, its last known state). */
    NodePeer node();

    /** A node appeared (or came back under a new uid). */
    record Added(NodePeer node) implements NodeEvent {}

    /** Something Weft cares about changed on an existing node (address, podCIDRs, peer id, version). */
    record Updated(NodePeer previous, NodePeer node) implements NodeEvent {}

    /**
     * The Node object is gone. Its peer's ranges may be reclaimed once gossip also says the peer is dead
     * (see {@link dev.weft.k8s.lock.ReclaimLock}).
     */
    record Deleted(NodePeer node) implements NodeEvent {}
}
