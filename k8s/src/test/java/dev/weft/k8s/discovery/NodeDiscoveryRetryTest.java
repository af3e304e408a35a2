package dev.weft.k8s.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.Nodes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The first list of nodes is refused (as with a missing RBAC rule); discovery keeps trying and then syncs. */
class NodeDiscoveryRetryTest {
    private final AtomicInteger refusalsLeft = new AtomicInteger(1);
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void setUp() {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getPath();
                boolean listNodes = "GET".equals(request.getMethod())
                        && path.startsWith("/api/v1/nodes")
                        && !path.startsWith("/api/v1/nodes/")
                        && !path.contains("watch=true");
                if (listNodes && refusalsLeft.getAndDecrement() > 0) {
                    return new MockResponse().setResponseCode(403).setBody("""
                            {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,
                             "message":"nodes is forbidden: User \\"system:serviceaccount:weft:weft\\" cannot list resource \\"nodes\\""}""");
                }
                return super.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), crud, false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void tearDown() {
        client.close();
        server.destroy();
    }

    @Test
    void refusedInitialListIsRetried() throws Exception {
        client.nodes().resource(Nodes.node("a", "192.0.2.1", null)).create();
        try (NodeDiscovery d = new NodeDiscovery(client, K8sConfig.defaults("a"), Runnable::run, e -> {})) {
            d.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(d.status().apiErrors()).isEqualTo(1);
            assertThat(d.snapshot()).containsOnlyKeys("a");
            assertThat(refusalsLeft.get()).isNegative();
        }
    }
}
