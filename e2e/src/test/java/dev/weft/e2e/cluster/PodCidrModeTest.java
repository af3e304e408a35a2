package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Lab;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * podCIDR mode (the Kubernetes option where each node's range is its {@code spec.podCIDR}), driven here with
 * {@code --pod-cidr}: each node hands out addresses from its own CIDR only and learns the others' from their node
 * records; pods on different nodes talk over VXLAN. Runs with {@code --encryption=disabled} (the one lab test that
 * does), so it also checks that an unencrypted agent says so.
 */
@Tag("kernel")
class PodCidrModeTest {

    @Test
    void eachNodeUsesItsOwnPodCidrAndPodsTalk() {
        try (Lab lab = Lab.builder().nodes(2).start()) {
            WeftCluster c = new WeftCluster(
                            lab,
                            WeftCluster.findPluginDir(),
                            List.of("--ipam-mode", "podcidr", "--datapath", "vxlan", "--encryption", "disabled"))
                    .perNode(n -> List.of("--pod-cidr", "198.18." + (10 + n.index()) + ".0/24"));
            c.startAgents();
            c.awaitAllReady(Duration.ofSeconds(60));
            WeftCluster.Pod a = c.addPod(lab.node(1), "a");
            WeftCluster.Pod b = c.addPod(lab.node(2), "b");
            assertThat(a.address()).startsWith("198.18.11.");
            assertThat(b.address()).startsWith("198.18.12.");
            await("a pings b")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> a.pod().ping(b.address(), 1).received() == 1);
            await("b pings a")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.pod().ping(a.address(), 1).received() == 1);
            Map<String, Object> r = c.report(lab.node(1)).orElseThrow();
            assertThat(ReportFormat.<Map<String, Object>>list(r, "routes"))
                    .anySatisfy(rt -> assertThat(rt.get("destination")).isEqualTo("198.18.12.0/24"));
            // this test runs without a secret on purpose: the agent says so at start and in its status
            assertThat(ReportFormat.map(r, "encryption"))
                    .containsEntry("enabled", false)
                    .containsEntry("disabled", true);
            assertThat(ReportFormat.<String>list(r, "warnings")).anyMatch(w -> w.contains("encryption is disabled"));
            assertThat(c.agent(lab.node(1)).log()).contains("encryption is DISABLED");
        }
    }
}
