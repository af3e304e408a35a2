package dev.weft.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class K8sClientsTest {
    KubernetesClient client;
    KubernetesMockServer server;

    @Test
    void setsTimeoutsAndUserAgent() {
        Config c = K8sClients.configure(Config.empty(), "1.2.3");
        assertThat(c.getConnectionTimeout()).isEqualTo(K8sClients.CONNECT_TIMEOUT_MS);
        assertThat(c.getRequestTimeout()).isEqualTo(K8sClients.REQUEST_TIMEOUT_MS);
        assertThat(c.getUserAgent()).isEqualTo("weft-agent/1.2.3");
    }

    @Test
    void builtClientTalksToTheServerWithOurUserAgent() throws Exception {
        ExecutorService tasks = Executors.newSingleThreadExecutor();
        try (KubernetesClient c =
                K8sClients.create(new ConfigBuilder(client.getConfiguration()).build(), "1.2.3", tasks)) {
            c.nodes().resource(Nodes.node("n1", "192.0.2.1", null)).create();
            assertThat(c.nodes().withName("n1").get()).isNotNull();
            assertThat(server.getLastRequest().getHeader("User-Agent")).isEqualTo("weft-agent/1.2.3");
        } finally {
            tasks.shutdownNow();
            assertThat(tasks.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
