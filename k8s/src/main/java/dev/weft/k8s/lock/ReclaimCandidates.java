package dev.weft.k8s.lock;

import dev.weft.k8s.WeftKeys;
import dev.weft.k8s.discovery.NodeEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which peers' ranges may be reclaimed: those whose Node object was deleted (Kubernetes says the
 * machine is gone) <em>and</em> that gossip reports dead. Either alone is not enough: a peer is dead for the
 * length of a reboot while its Node stays, and a Node can be deleted and registered again while its agent
 * keeps running.
 *
 * <p>Single-threaded, fed by the agent's event loop: {@link #onNodeEvent} from {@code NodeDiscovery},
 * {@link #onPeerDead}/{@link #onPeerAlive} from membership, {@link #onHandled} once a reclaim attempt for a
 * peer is settled (won and done, or lost to another agent). {@link #due()} lists what to try now with
 * {@link ReclaimLock#tryAcquireReclaim}.
 */
public final class ReclaimCandidates {
    private static final Logger log = LoggerFactory.getLogger(ReclaimCandidates.class);

    /** A peer whose Node is gone and which gossip says is dead. */
    public record Candidate(String peerId, String nodeName) {}

    private final Map<String, String> deletedNodeOfPeer = new LinkedHashMap<>();
    private final Set<String> dead = new HashSet<>();
    private final Set<String> handled = new HashSet<>();
    private long deletedWithoutPeerId;

    public void onNodeEvent(NodeEvent e) {
        switch (e) {
            case NodeEvent.Deleted d -> {
                if (d.node().peerId().isPresent()) {
                    deletedNodeOfPeer.put(d.node().peerId().get(), d.node().nodeName());
                } else {
                    deletedWithoutPeerId++;
                    log.warn(
                            "node={} was deleted but its agent never announced a peer id (annotation {}):"
                                    + " its ranges, if any, are not reclaimed automatically; check 'weft status ipam'"
                                    + " and use 'weft rmpeer' if a dead peer still owns ranges",
                            d.node().nodeName(),
                            WeftKeys.PEER_ID);
                }
            }
            // A node that shows up (again) with this peer id means the peer is not gone.
            case NodeEvent.Added a -> a.node().peerId().ifPresent(deletedNodeOfPeer::remove);
            case NodeEvent.Updated u -> u.node().peerId().ifPresent(deletedNodeOfPeer::remove);
        }
    }

    public void onPeerDead(String peerId) {
        dead.add(peerId);
    }

    public void onPeerAlive(String peerId) {
        dead.remove(peerId);
    }

    /** The reclaim of {@code peerId} is settled (done by us, or another agent holds or finished it). */
    public void onHandled(String peerId) {
        handled.add(peerId);
        deletedNodeOfPeer.remove(peerId);
        dead.remove(peerId);
    }

    /** Peers to try to reclaim now, in the order their Nodes were deleted. */
    public List<Candidate> due() {
        List<Candidate> out = new ArrayList<>();
        for (var e : deletedNodeOfPeer.entrySet()) {
            if (dead.contains(e.getKey()) && !handled.contains(e.getKey())) {
                out.add(new Candidate(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /** Deleted Nodes whose agent never announced a peer id (nothing could be reclaimed for them). */
    public long deletedWithoutPeerId() {
        return deletedWithoutPeerId;
    }
}
