package dev.weft.k8s.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.TestClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class RingBootstrapTest {
    KubernetesClient client;
    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T12:00:00Z"));

    private RingBootstrap bootstrap(String node) {
        return new RingBootstrap(client, K8sConfig.defaults(node), clock);
    }

    private static BootstrapClaim claim(int i, boolean persisted) {
        return new BootstrapClaim(String.format("%016x", 0x1000 + i), "node-" + i, "10.32.0.0/12", 64,
                List.of("node-0", "node-1"), persisted);
    }

    @Test
    void exactlyOneOfManyConcurrentAgentsSeeds() throws Exception {
        int n = 12;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<BootstrapOutcome>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return bootstrap("node-" + id).claim(claim(id, false));
                }));
            }
            go.countDown();
            List<BootstrapOutcome> outcomes = new ArrayList<>();
            for (Future<BootstrapOutcome> f : futures) outcomes.add(f.get());

            List<BootstrapOutcome> seeders = outcomes.stream().filter(BootstrapOutcome::weAreCreator).toList();
            assertThat(seeders).hasSize(1);
            String creator = seeders.getFirst().creatorPeerId();
            assertThat(outcomes).allSatisfy(o -> assertThat(o.creatorPeerId()).isEqualTo(creator));
            assertThat(outcomes).filteredOn(o -> o.role() == BootstrapOutcome.Role.JOIN).hasSize(n - 1);

            BootstrapRecord stored = bootstrap("x").read().orElseThrow();
            assertThat(stored.creatorPeerId()).isEqualTo(creator);
            assertThat(stored.clusterRange()).isEqualTo("10.32.0.0/12");
            assertThat(stored.blockSize()).isEqualTo(64);
            assertThat(stored.seeds()).containsExactly("node-0", "node-1");
            assertThat(stored.createdAt()).isEqualTo(Instant.parse("2026-03-01T12:00:00Z"));
            assertThat(stored.origin()).isEqualTo("seeded");
            assertThat(client.configMaps().inNamespace("weft").list().getItems()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void wholeClusterRestartWithStateNeverSeedsAgain() {
        BootstrapOutcome first = bootstrap("node-0").claim(claim(0, false));
        assertThat(first.role()).isEqualTo(BootstrapOutcome.Role.SEED);
        // Every agent restarts with its persisted ring; the record is still there.
        for (int i = 0; i < 5; i++) {
            BootstrapOutcome o = bootstrap("node-" + i).claim(claim(i, true));
            assertThat(o.role()).isEqualTo(BootstrapOutcome.Role.RESUME);
            assertThat(o.creatorPeerId()).isEqualTo(first.creatorPeerId());
        }
        // A brand-new node joins the existing ring.
        assertThat(bootstrap("node-9").claim(claim(9, false)).role()).isEqualTo(BootstrapOutcome.Role.JOIN);
    }

    @Test
    void deletedRecordIsRestoredByAnAgentWithStateSoNewcomersJoin() {
        bootstrap("node-0").claim(claim(0, false));
        client.configMaps().inNamespace("weft").withName("weft-ring-bootstrap").delete();
        assertThat(bootstrap("node-0").read()).isEmpty();

        BootstrapOutcome restored = bootstrap("node-3").claim(claim(3, true));
        assertThat(restored.role()).isEqualTo(BootstrapOutcome.Role.RESUME);
        assertThat(restored.record().origin()).isEqualTo("restored");

        BootstrapOutcome newcomer = bootstrap("node-7").claim(claim(7, false));
        assertThat(newcomer.role()).isEqualTo(BootstrapOutcome.Role.JOIN);
        assertThat(newcomer.creatorPeerId()).isEqualTo(String.format("%016x", 0x1003));
    }

    @Test
    void creatorRestartingWithoutStateSeedsAgain() {
        bootstrap("node-0").claim(claim(0, false));
        assertThat(bootstrap("node-0").claim(claim(0, false)).role()).isEqualTo(BootstrapOutcome.Role.SEED);
    }

    @Test
    void differentRangeIsRefusedWithAnExplanation() {
        bootstrap("node-0").claim(claim(0, false));
        BootstrapClaim other = new BootstrapClaim("00000000000000ff", "node-5", "10.96.0.0/12", 64, List.of(), false);
        assertThatThrownBy(() -> bootstrap("node-5").claim(other))
                .isInstanceOf(BootstrapConflictException.class)
                .hasMessageContaining("range=10.32.0.0/12")
                .hasMessageContaining("range=10.96.0.0/12")
                .hasMessageContaining("WEFT_CLUSTER_RANGE");
        BootstrapClaim otherBlock = new BootstrapClaim("00000000000000ff", "node-5", "10.32.0.0/12", 32, List.of(), true);
        assertThatThrownBy(() -> bootstrap("node-5").claim(otherBlock)).isInstanceOf(BootstrapConflictException.class);
    }

    @Test
    void malformedRecordIsAClearError() {
        client.configMaps().inNamespace("weft").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("weft-ring-bootstrap").withNamespace("weft").endMetadata()
                .addToData("creator-peer", "0000000000000001").addToData("block-size", "lots").build()).create();
        assertThatThrownBy(() -> bootstrap("node-1").claim(claim(1, false)))
                .isInstanceOf(dev.weft.k8s.K8sApiException.class)
                .hasMessageContaining("malformed");
    }
}
