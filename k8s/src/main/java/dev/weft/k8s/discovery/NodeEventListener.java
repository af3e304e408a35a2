package dev.weft.k8s.discovery;

import java.util.Map;

/**
 * Receives node events in the order they happened, one at a time, on the executor given to
 * {@link NodeDiscovery}.
 */
public interface NodeEventListener {

    void onNodeEvent(NodeEvent event);

    /**
     * The first complete list of nodes has been delivered (every node got an {@link NodeEvent.Added} before
     * this call). Until then the view is partial: do not treat a missing node as deleted.
     */
    default void onSynced(Map<String, NodePeer> nodes) {}
}
