package dev.weft.k8s.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.Nodes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event logic of NodeDiscovery, fed by hand (no informer running), delivered on the calling thread. */
@EnableKubernetesMockClient(crud = true)
class NodeDiscoveryLogicTest {
    KubernetesClient client;

    private final List<NodeEvent> events = new ArrayList<>();

    private NodeDiscovery discovery() {
        return new NodeDiscovery(client, K8sConfig.defaults("a"), Runnable::run, events::add);
    }

    @Test
    void nodeRecreatedUnderTheSameNameIsADeletionThenAnAddition() {
        NodeDiscovery d = discovery();
        Node first = Nodes.node("n1", "192.0.2.1", null);
        first.getMetadata().setAnnotations(Map.of("weft.dev/peer-id", "1111111111111111"));
        d.upsert(first);
        // The watch was down while n1 was deleted and re-created: the re-list shows a new uid and peer.
        Node second = Nodes.node("n1", "192.0.2.1", null);
        second.getMetadata().setUid("uid-n1-second");
        second.getMetadata().setAnnotations(Map.of("weft.dev/peer-id", "2222222222222222"));
        d.upsert(second);

        assertThat(events).hasSize(3);
        assertThat(events.get(1)).isInstanceOf(NodeEvent.Deleted.class);
        assertThat(events.get(1).node().peerId()).contains("1111111111111111");
        assertThat(events.get(2)).isInstanceOf(NodeEvent.Added.class);
        assertThat(events.get(2).node().peerId()).contains("2222222222222222");
        assertThat(d.status().deleted()).isEqualTo(1);
    }

    @Test
    void sameNodeOfferedAgainIsIgnoredAndUnknownDeletionsAreDropped() {
        NodeDiscovery d = discovery();
        d.upsert(Nodes.node("n1", "192.0.2.1", null));
        d.upsert(Nodes.node("n1", "192.0.2.1", null)); // resync
        d.remove(Nodes.node("never-seen", "192.0.2.9", null));
        d.upsert(new Node()); // no name: ignored
        assertThat(events).hasSize(1);
        assertThat(d.status().ignoredUpdates()).isEqualTo(1);
        d.remove(Nodes.node("n1", "192.0.2.1", null));
        assertThat(events).hasSize(2);
        assertThat(d.snapshot()).isEmpty();
    }

    @Test
    void aThrowingListenerDoesNotStopLaterEvents() {
        List<String> seen = new ArrayList<>();
        NodeDiscovery d = new NodeDiscovery(client, K8sConfig.defaults("a"), Runnable::run, e -> {
            seen.add(e.node().nodeName());
            if (e.node().nodeName().equals("bad")) throw new IllegalStateException("listener bug");
        });
        d.upsert(Nodes.node("bad", "192.0.2.1", null));
        d.upsert(Nodes.node("good", "192.0.2.2", null));
        assertThat(seen).containsExactly("bad", "good");
    }
}
