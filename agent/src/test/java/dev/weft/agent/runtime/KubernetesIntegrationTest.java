package dev.weft.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.AgentOptions;
import dev.weft.agent.state.Identity;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.ring.RingMismatchException;
import dev.weft.ipam.store.InMemoryIpamStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The agent's Kubernetes bootstrap against fabric8's mock API server: one creator, everyone else joins its ring. */
@EnableKubernetesMockClient(crud = true)
class KubernetesIntegrationTest {
    KubernetesClient client;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        workers.shutdownNow();
    }

    @CommandLine.Command(name = "t")
    static final class Holder {
        @CommandLine.Mixin
        AgentOptions options = new AgentOptions();
    }

    private static AgentConfig config(String node) {
        Holder h = new Holder();
        new CommandLine(h)
                .parseArgs(
                        "--node-name",
                        node,
                        "--kubernetes",
                        "--cluster-range",
                        "198.18.0.0/16",
                        "--encryption",
                        "disabled");
        return h.options.toConfig();
    }

    private IpamNode ipam(long peer, String node) throws Exception {
        return IpamNode.open(
                IpamConfig.of(Cidr.parse("198.18.0.0/16"), 64), new InMemoryIpamStore(), PeerId.of(peer), node);
    }

    private KubernetesIntegration integration(String node, long peer) {
        return new KubernetesIntegration(config(node), new Identity(PeerId.of(peer), node, 1), workers, client);
    }

    @Test
    void firstAgentCreatesTheRingAndTheOthersJoinIt() throws Exception {
        IpamNode a = ipam(0xa1, "node-a");
        IpamNode b = ipam(0xb2, "node-b");
        integration("node-a", 0xa1).bootstrapRing(a);
        integration("node-b", 0xb2).bootstrapRing(b);

        assertThat(a.ownedSize()).as("the creator owns the whole range").isEqualTo(65536 - 0);
        assertThat(b.ring()).as("a joiner creates nothing itself").isEmpty();
        assertThat(b.applyRemoteRing(a.localRingBytes().orElseThrow()).changed())
                .isTrue();
        assertThat(b.ring()).isPresent();

        // a ring created by anyone else (another decision) is refused by the joiner
        IpamNode stranger = ipam(0xc3, "node-c");
        stranger.bootstrapFromSeeds(java.util.List.of("node-c"));
        IpamNode c = ipam(0xd4, "node-d");
        integration("node-d", 0xd4).bootstrapRing(c);
        assertThatThrownBy(() -> c.applyRemoteRing(stranger.localRingBytes().orElseThrow()))
                .isInstanceOf(RingMismatchException.class);
    }

    @Test
    void podCidrModeReadsTheNodesIpv4PodCidr() {
        client.nodes()
                .resource(new io.fabric8.kubernetes.api.model.NodeBuilder()
                        .withNewMetadata()
                        .withName("node-p")
                        .endMetadata()
                        .withNewSpec()
                        .withPodCIDRs("fd00:10::/64", "198.18.7.0/24")
                        .withPodCIDR("fd00:10::/64")
                        .endSpec()
                        .build())
                .create();
        assertThat(integration("node-p", 0xe5).ownPodCidr()).contains("198.18.7.0/24");
    }

    @Test
    void anAgentWithAPersistedRingNeverSeedsASecondOne() throws Exception {
        IpamNode a = ipam(0xa1, "node-a");
        integration("node-a", 0xa1).bootstrapRing(a);
        // whole-cluster restart: the bootstrap record is still there, the same agent resumes its ring
        IpamNode again = ipam(0xa1, "node-a");
        again.applyRemoteRing(a.localRingBytes().orElseThrow());
        integration("node-a", 0xa1).bootstrapRing(again);
        assertThat(again.ring().orElseThrow().genesis())
                .isEqualTo(a.ring().orElseThrow().genesis());
        assertThat(client.configMaps().inNamespace("weft").list().getItems()).hasSize(1);
    }
}
