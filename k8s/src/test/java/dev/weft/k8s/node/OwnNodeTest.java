package dev.weft.k8s.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.k8s.K8sApiException;
import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.Nodes;
import dev.weft.k8s.TestClock;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class OwnNodeTest {
    KubernetesClient client;
    KubernetesMockServer server;
    private final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
    private OwnNode own;

    @BeforeEach
    void setUp() {
        client.nodes()
                .resource(Nodes.node("self", "192.0.2.1", "198.18.4.0/24"))
                .create();
        own = new OwnNode(client, K8sConfig.defaults("self"), clock);
    }

    /**
     * The annotations go through {@code nodes/status} (RBAC grants no {@code patch nodes}). The real API server keeps
     * metadata changes made through a Node's status subresource (its node status strategy resets only {@code spec});
     * fabric8's mock applies CRD rules (status only) and drops them, so this test checks the request itself, and
     * idempotence with a Node that already carries the annotations.
     */
    @Test
    void announcesPeerIdAndVersionThroughTheStatusSubresourceOnce() throws Exception {
        assertThat(own.announce("00000000000000a1", "0.1.0")).isTrue();
        var req = server.getLastRequest();
        assertThat(req.getMethod()).isEqualTo("PATCH");
        assertThat(req.getPath()).isEqualTo("/api/v1/nodes/self/status");
        assertThat(req.getHeader("Content-Type")).startsWith("application/merge-patch+json");
        assertThat(Integer.parseInt(req.getHeader("Content-Length")))
                .as("the merge patch of the two annotations")
                .isEqualTo(
                        "{'metadata':{'annotations':{'weft.dev/peer-id':'00000000000000a1','weft.dev/version':'0.1.0'}}}"
                                .length());

        client.nodes().withName("self").edit(n -> {
            n.getMetadata()
                    .setAnnotations(
                            java.util.Map.of("weft.dev/peer-id", "00000000000000a1", "weft.dev/version", "0.1.0"));
            return n;
        });
        assertThat(own.announce("00000000000000a1", "0.1.0"))
                .as("already announced")
                .isFalse();
        assertThat(own.announce("00000000000000a1", "0.2.0")).isTrue();
        assertThat(server.getLastRequest().getPath()).isEqualTo("/api/v1/nodes/self/status");
        assertThatThrownBy(() -> own.announce("not a peer id", "0.1.0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> own.announce("00000000000000A1", "0.1.0"))
                .as("peer ids are 16 lower-case hex digits")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void marksNetworkAvailableThroughTheStatusSubresource() {
        assertThat(own.networkCondition()).isEmpty();
        assertThat(own.markNetworkAvailable()).isTrue();
        NodeCondition c = own.networkCondition().orElseThrow();
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("WeftIsUp");
        assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(own.markNetworkAvailable()).as("idempotent").isFalse();
        // The kubelet's condition is untouched.
        assertThat(client.nodes().withName("self").get().getStatus().getConditions())
                .extracting(NodeCondition::getType)
                .containsExactly("Ready", "NetworkUnavailable");

        assertThat(own.markNetworkUnavailable("WeftIsDown", "agent stopping")).isTrue();
        assertThat(own.networkCondition().orElseThrow().getStatus()).isEqualTo("True");
        assertThat(own.markNetworkAvailable()).isTrue();
        assertThat(own.networkCondition().orElseThrow().getStatus()).isEqualTo("False");
        assertThat(client.nodes().withName("self").get().getStatus().getConditions())
                .hasSize(2);
    }

    @Test
    void concurrentCallsNeverLeaveTwoConditions() throws Exception {
        // Found on a real kube-apiserver: two workers of one agent both read "no condition" and both appended.
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var done = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
            for (int i = 0; i < 8; i++) {
                boolean up = i % 2 == 0;
                done.add(pool.submit(
                        () -> up ? own.markNetworkAvailable() : own.markNetworkUnavailable("WeftNotReady", "x")));
            }
            for (var f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(client.nodes().withName("self").get().getStatus().getConditions())
                .extracting(NodeCondition::getType)
                .containsExactly("Ready", "NetworkUnavailable");
    }

    @Test
    void removesDuplicateConditionsLeftByAnOlderAgent() {
        client.nodes().withName("self").edit(n -> {
            var b = new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType("NetworkUnavailable");
            n.getStatus()
                    .getConditions()
                    .add(b.withStatus("True").withReason("WeftNotReady").build());
            n.getStatus()
                    .getConditions()
                    .add(b.withStatus("False").withReason("WeftIsUp").build());
            return n;
        });
        assertThat(own.markNetworkAvailable())
                .as("two copies: rewritten to one")
                .isTrue();
        assertThat(client.nodes().withName("self").get().getStatus().getConditions())
                .extracting(NodeCondition::getType)
                .containsExactly("Ready", "NetworkUnavailable");
        assertThat(own.networkCondition().orElseThrow().getStatus()).isEqualTo("False");
        assertThat(own.markNetworkAvailable()).isFalse();
    }

    @Test
    void createsTheConditionListWhenTheNodeHasNone() {
        client.nodes().withName("self").edit(n -> {
            n.getStatus().setConditions(List.of());
            return n;
        });
        assertThat(own.markNetworkAvailable()).isTrue();
        assertThat(own.networkCondition().orElseThrow().getReason()).isEqualTo("WeftIsUp");
    }

    @Test
    void readsPodCidrs() {
        assertThat(own.podCidrs()).containsExactly("198.18.4.0/24");
        client.nodes().withName("self").edit(n -> {
            n.getSpec().setPodCIDRs(List.of("198.18.5.0/24", "fd00:1::/64"));
            return n;
        });
        assertThat(own.podCidrs()).containsExactly("198.18.5.0/24", "fd00:1::/64");
    }

    @Test
    void missingNodeIsAClearError() {
        OwnNode ghost = new OwnNode(client, K8sConfig.defaults("ghost"), clock);
        assertThatThrownBy(ghost::podCidrs)
                .isInstanceOf(K8sApiException.class)
                .hasMessageContaining("node=ghost")
                .hasMessageContaining("WEFT_NODE_NAME");
        assertThat(((K8sApiException) catchIt(ghost)).httpStatus()).isEqualTo(404);
    }

    private static Throwable catchIt(OwnNode n) {
        try {
            n.markNetworkAvailable();
            return null;
        } catch (K8sApiException e) {
            return e;
        }
    }
}
