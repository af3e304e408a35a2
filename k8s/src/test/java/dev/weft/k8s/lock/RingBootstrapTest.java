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
import java.util.Optional;
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

    private static BootstrapClaim claim(int i, Optional<String> persistedGenesis) {
        return new BootstrapClaim(
                String.format("%016x", 0x1000 + i),
                "node-" + i,
                "10.32.0.0/12",
                64,
                List.of("node-0", "node-1"),
                persistedGenesis);
    }

    private static BootstrapClaim fresh(int i) {
        return claim(i, Optional.empty());
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
                    return bootstrap("node-" + id).claim(fresh(id));
                }));
            }
            go.countDown();
            List<BootstrapOutcome> outcomes = new ArrayList<>();
            for (Future<BootstrapOutcome> f : futures) outcomes.add(f.get());

            List<BootstrapOutcome> seeders =
                    outcomes.stream().filter(BootstrapOutcome::weAreCreator).toList();
            assertThat(seeders).hasSize(1);
            String creator = seeders.getFirst().creatorPeerId();
            assertThat(outcomes).allSatisfy(o -> assertThat(o.creatorPeerId()).isEqualTo(creator));
            assertThat(outcomes)
                    .filteredOn(o -> o.role() == BootstrapOutcome.Role.JOIN)
                    .hasSize(n - 1);

            BootstrapRecord stored = bootstrap("x").read().orElseThrow();
            assertThat(stored.creatorPeerId()).isEqualTo(creator);
            assertThat(stored.clusterRange()).isEqualTo("10.32.0.0/12");
            assertThat(stored.blockSize()).isEqualTo(64);
            assertThat(stored.seeds()).containsExactly("node-0", "node-1");
            assertThat(stored.createdAt()).isEqualTo(Instant.parse("2026-03-01T12:00:00Z"));
            assertThat(stored.origin()).isEqualTo("seeded");
            assertThat(stored.decisionToken()).isEqualTo("k8s:" + creator + "@2026-03-01T12:00:00Z");
            assertThat(stored.genesis())
                    .isEqualTo(dev.weft.ipam.ring.RingGenesis.creator(
                            dev.weft.id.PeerId.parse(creator), stored.decisionToken()));
            assertThat(outcomes)
                    .allSatisfy(o -> assertThat(o.record().genesis()).isEqualTo(stored.genesis()));
            assertThat(client.configMaps().inNamespace("weft").list().getItems())
                    .hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void wholeClusterRestartWithStateNeverSeedsAgain() {
        BootstrapOutcome first = bootstrap("node-0").claim(fresh(0));
        assertThat(first.role()).isEqualTo(BootstrapOutcome.Role.SEED);
        Optional<String> genesis = Optional.of(first.record().genesis().id());
        // Every agent restarts with its persisted ring; the record is still there.
        for (int i = 0; i < 5; i++) {
            BootstrapOutcome o = bootstrap("node-" + i).claim(claim(i, genesis));
            assertThat(o.role()).isEqualTo(BootstrapOutcome.Role.RESUME);
            assertThat(o.creatorPeerId()).isEqualTo(first.creatorPeerId());
        }
        // A brand-new node joins the existing ring.
        assertThat(bootstrap("node-9").claim(fresh(9)).role()).isEqualTo(BootstrapOutcome.Role.JOIN);
    }

    @Test
    void aPersistedRingFromAnotherBootstrapIsRefused() {
        bootstrap("node-0").claim(fresh(0));
        assertThatThrownBy(() -> bootstrap("node-4").claim(claim(4, Optional.of("creator:00000000000000aa:old"))))
                .isInstanceOf(BootstrapConflictException.class)
                .hasMessageContaining("genesis creator:00000000000000aa:old")
                .hasMessageContaining("/var/lib/weft");
    }

    @Test
    void deletedRecordIsRestoredByAnAgentWithStateSoNewcomersJoin() {
        BootstrapOutcome first = bootstrap("node-0").claim(fresh(0));
        String genesis = first.record().genesis().id();
        client.configMaps().inNamespace("weft").withName("weft-ring-bootstrap").delete();
        assertThat(bootstrap("node-0").read()).isEmpty();

        clock.advance(java.time.Duration.ofDays(3));
        BootstrapOutcome restored = bootstrap("node-3").claim(claim(3, Optional.of(genesis)));
        assertThat(restored.role()).isEqualTo(BootstrapOutcome.Role.RESUME);
        assertThat(restored.record().origin()).isEqualTo("restored");

        BootstrapOutcome newcomer = bootstrap("node-7").claim(fresh(7));
        assertThat(newcomer.role()).isEqualTo(BootstrapOutcome.Role.JOIN);
        assertThat(newcomer.creatorPeerId()).isEqualTo(String.format("%016x", 0x1003));
        // The newcomer expects the ring that already exists, not one "created" by the restorer.
        assertThat(newcomer.record().genesis().id()).isEqualTo(genesis);
    }

    @Test
    void creatorRestartingWithoutStateSeedsAgain() {
        BootstrapOutcome first = bootstrap("node-0").claim(fresh(0));
        clock.advance(java.time.Duration.ofMinutes(1));
        BootstrapOutcome again = bootstrap("node-0").claim(fresh(0));
        assertThat(again.role()).isEqualTo(BootstrapOutcome.Role.SEED);
        assertThat(again.record().decisionToken())
                .as("same decision")
                .isEqualTo(first.record().decisionToken());
    }

    @Test
    void differentRangeIsRefusedWithAnExplanation() {
        bootstrap("node-0").claim(fresh(0));
        BootstrapClaim other =
                new BootstrapClaim("00000000000000ff", "node-5", "10.96.0.0/12", 64, List.of(), Optional.empty());
        assertThatThrownBy(() -> bootstrap("node-5").claim(other))
                .isInstanceOf(BootstrapConflictException.class)
                .hasMessageContaining("range=10.32.0.0/12")
                .hasMessageContaining("range=10.96.0.0/12")
                .hasMessageContaining("WEFT_CLUSTER_RANGE");
        BootstrapClaim otherBlock =
                new BootstrapClaim("00000000000000ff", "node-5", "10.32.0.0/12", 32, List.of(), Optional.empty());
        assertThatThrownBy(() -> bootstrap("node-5").claim(otherBlock)).isInstanceOf(BootstrapConflictException.class);
    }

    @Test
    void malformedRecordIsAClearError() {
        client.configMaps()
                .inNamespace("weft")
                .resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                        .withNewMetadata()
                        .withName("weft-ring-bootstrap")
                        .withNamespace("weft")
                        .endMetadata()
                        .addToData("creator-peer", "0000000000000001")
                        .addToData("block-size", "lots")
                        .build())
                .create();
        assertThatThrownBy(() -> bootstrap("node-1").claim(fresh(1)))
                .isInstanceOf(dev.weft.k8s.K8sApiException.class)
                .hasMessageContaining("malformed");
    }
}
