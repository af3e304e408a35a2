package dev.weft.k8s.lock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.k8s.discovery.NodeEvent;
import dev.weft.k8s.discovery.NodePeer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReclaimCandidatesTest {
    private static final String P1 = "1111111111111111";
    private static final String P2 = "2222222222222222";

    private static NodePeer node(String name, String peer) {
        return new NodePeer(name, "uid-" + name, List.of(), List.of(), Optional.ofNullable(peer), Optional.empty());
    }

    @Test
    void needsBothNodeDeletionAndDeathInGossip() {
        ReclaimCandidates c = new ReclaimCandidates();
        c.onNodeEvent(new NodeEvent.Added(node("a", P1)));
        c.onPeerDead(P1); // a reboot: dead, but the Node stays
        assertThat(c.due()).isEmpty();
        c.onNodeEvent(new NodeEvent.Deleted(node("a", P1)));
        assertThat(c.due()).containsExactly(new ReclaimCandidates.Candidate(P1, "a"));
        c.onHandled(P1);
        assertThat(c.due()).isEmpty();
        c.onPeerDead(P1); // late duplicate news changes nothing
        assertThat(c.due()).isEmpty();
    }

    @Test
    void deletedNodeWhosePeerIsAliveIsNotReclaimed() {
        ReclaimCandidates c = new ReclaimCandidates();
        c.onNodeEvent(new NodeEvent.Deleted(node("a", P1)));
        assertThat(c.due()).isEmpty();
        c.onPeerDead(P1);
        c.onPeerAlive(P1); // false alarm
        assertThat(c.due()).isEmpty();
    }

    @Test
    void nodeRegisteredAgainWithTheSamePeerIsNotACandidate() {
        ReclaimCandidates c = new ReclaimCandidates();
        c.onNodeEvent(new NodeEvent.Deleted(node("a", P1)));
        c.onNodeEvent(new NodeEvent.Added(node("a", P1)));
        c.onPeerDead(P1);
        assertThat(c.due()).isEmpty();
        // A replacement machine under the same name brings a new peer; the old one is still due.
        c.onNodeEvent(new NodeEvent.Deleted(node("a", P1)));
        c.onNodeEvent(new NodeEvent.Added(node("a", P2)));
        assertThat(c.due()).extracting(ReclaimCandidates.Candidate::peerId).containsExactly(P1);
    }

    @Test
    void nodeWithoutPeerIdIsCountedNotGuessed() {
        ReclaimCandidates c = new ReclaimCandidates();
        c.onNodeEvent(new NodeEvent.Deleted(node("a", null)));
        assertThat(c.due()).isEmpty();
        assertThat(c.deletedWithoutPeerId()).isEqualTo(1);
    }
}
