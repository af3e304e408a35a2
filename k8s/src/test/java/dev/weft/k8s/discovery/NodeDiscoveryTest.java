package dev.weft.k8s.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.Nodes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class NodeDiscoveryTest {
    KubernetesClient client;

    private ExecutorService loop;
    private final BlockingQueue<NodeEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<Map<String, NodePeer>> syncs = new LinkedBlockingQueue<>();
    private NodeDiscovery discovery;

    @BeforeEach
    void setUp() {
        loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-agent-loop"));
    }

    @AfterEach
    void tearDown() {
        if (discovery != null) discovery.close();
        loop.shutdownNow();
    }

    private void start() throws Exception {
        start(K8sConfig.defaults("a"));
    }

    private void start(K8sConfig config) throws Exception {
        discovery = new NodeDiscovery(client, config, loop, new NodeEventListener() {
            @Override
            public void onNodeEvent(NodeEvent event) {
                events.add(event);
            }

            @Override
            public void onSynced(Map<String, NodePeer> nodes) {
                syncs.add(nodes);
            }
        });
        discovery.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private NodeEvent next() throws InterruptedException {
        NodeEvent e = events.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("expected a node event within 10s").isNotNull();
        return e;
    }

    @Test
    void initialListThenFollowsAddUpdateDelete() throws Exception {
        client.nodes().resource(Nodes.node("a", "192.0.2.1", "198.18.0.0/24")).create();
        client.nodes().resource(Nodes.node("b", "192.0.2.2", "198.18.1.0/24")).create();
        start();

        // Initial list: two Added events, then the sync with both.
        List<NodeEvent> initial = List.of(next(), next());
        assertThat(initial).allMatch(e -> e instanceof NodeEvent.Added);
        assertThat(initial).extracting(e -> e.node().nodeName()).containsExactlyInAnyOrder("a", "b");
        Map<String, NodePeer> synced = syncs.poll(10, TimeUnit.SECONDS);
        assertThat(synced).containsOnlyKeys("a", "b");
        assertThat(discovery.status().synced()).isTrue();

        // A node joins.
        client.nodes().resource(Nodes.node("c", "192.0.2.3", "198.18.2.0/24")).create();
        NodeEvent added = next();
        assertThat(added).isInstanceOf(NodeEvent.Added.class);
        assertThat(added.node().address()).contains(InetAddress.ofLiteral("192.0.2.3"));

        // Its agent announces itself: an update with the peer id.
        client.nodes().withName("c").edit(n -> {
            n.getMetadata().setAnnotations(Map.of("weft.dev/peer-id", "0000000000000c0c", "weft.dev/version", "0.1.0"));
            return n;
        });
        NodeEvent upd = next();
        assertThat(upd).isInstanceOf(NodeEvent.Updated.class);
        assertThat(((NodeEvent.Updated) upd).previous().peerId()).isEmpty();
        assertThat(upd.node().peerId()).contains("0000000000000c0c");

        // A change Weft does not use (a kubelet heartbeat-like label) produces no event...
        long ignoredBefore = discovery.status().ignoredUpdates();
        client.nodes().withName("c").edit(n -> {
            n.getMetadata().setLabels(Map.of("heartbeat", "1"));
            return n;
        });
        await("the label-only update to be seen")
                .atMost(Duration.ofSeconds(10))
                .until(() -> discovery.status().ignoredUpdates() > ignoredBefore);
        // ...and the next real change is the next event (nothing was queued in between).
        client.nodes().withName("c").edit(n -> {
            n.getStatus()
                    .setAddresses(List.of(new NodeAddressBuilder()
                            .withType("InternalIP")
                            .withAddress("192.0.2.33")
                            .build()));
            return n;
        });
        NodeEvent moved = next();
        assertThat(moved).isInstanceOf(NodeEvent.Updated.class);
        assertThat(moved.node().address()).contains(InetAddress.ofLiteral("192.0.2.33"));

        // The node is deleted.
        client.nodes().withName("b").delete();
        NodeEvent del = next();
        assertThat(del).isInstanceOf(NodeEvent.Deleted.class);
        assertThat(del.node().nodeName()).isEqualTo("b");
        assertThat(discovery.snapshot()).containsOnlyKeys("a", "c");

        DiscoveryStatus st = discovery.status();
        assertThat(st.added()).isEqualTo(3);
        assertThat(st.updated()).isEqualTo(2);
        assertThat(st.deleted()).isEqualTo(1);
        assertThat(events).isEmpty();
    }

    @Test
    void syncsOnAnEmptyClusterAndReportsNodesWithoutAddress() throws Exception {
        start();
        assertThat(syncs.poll(10, TimeUnit.SECONDS)).isEmpty();
        Node bare = new Node();
        bare.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName("new")
                .build());
        client.nodes().resource(bare).create();
        NodeEvent e = next();
        assertThat(e.node().address()).isEmpty();
        assertThat(discovery.status().nodesWithoutAddress()).isEqualTo(1);
    }

    @Test
    void resyncReoffersNodesWithoutProducingEvents() throws Exception {
        client.nodes().resource(Nodes.node("a", "192.0.2.1", null)).create();
        K8sConfig fast = K8sConfig.fromEnvironment(Map.of("WEFT_NODE_NAME", "a", "WEFT_NODE_RESYNC", "1s"));
        start(fast);
        assertThat(next()).isInstanceOf(NodeEvent.Added.class);
        long afterSync = discovery.status().ignoredUpdates();
        await("a resync")
                .atMost(Duration.ofSeconds(10))
                .until(() -> discovery.status().ignoredUpdates() > afterSync);
        assertThat(events).isEmpty();
    }

    @Test
    void manyNodesArriveInOrderPerNode() throws Exception {
        start();
        syncs.poll(10, TimeUnit.SECONDS);
        for (int i = 0; i < 30; i++) {
            client.nodes()
                    .resource(Nodes.node("n" + i, "192.0.2." + (i + 10), null))
                    .create();
            client.nodes().withName("n" + i).delete();
        }
        // Every node: exactly Added then Deleted, in that order.
        Map<String, List<String>> seen = new java.util.HashMap<>();
        for (int i = 0; i < 60; i++) {
            NodeEvent e = next();
            seen.computeIfAbsent(e.node().nodeName(), k -> new java.util.ArrayList<>())
                    .add(e.getClass().getSimpleName());
        }
        assertThat(seen).hasSize(30);
        assertThat(seen.values()).allSatisfy(l -> assertThat(l).containsExactly("Added", "Deleted"));
        assertThat(discovery.snapshot()).isEmpty();
    }
}
