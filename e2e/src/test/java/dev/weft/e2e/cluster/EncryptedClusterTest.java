package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.agent.config.SecretFile;
import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Fault;
import dev.weft.e2e.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A cluster with a secret and {@code --encrypt-pod-traffic}: gossip is encrypted and pod traffic never uses
 * kernel VXLAN (it goes through the encrypted sleeve), so blocking UDP 4789 changes nothing. A node with the
 * wrong secret never joins.
 */
@Tag("kernel")
class EncryptedClusterTest {

    @Test
    void podsTalkThroughTheEncryptedSleeveAndAWrongSecretNeverJoins() throws Exception {
        try (Lab lab = Lab.builder().nodes(3).start()) {
            Path good = lab.runDir().resolve("secret");
            Files.writeString(good, SecretFile.generate(new SecureRandom()) + "\n");
            Path bad = lab.runDir().resolve("wrong-secret");
            Files.writeString(bad, SecretFile.generate(new SecureRandom()) + "\n");
            WeftCluster c = new WeftCluster(
                    lab,
                    WeftCluster.findPluginDir(),
                    List.of("--secret-file", good.toString(), "--encrypt-pod-traffic", "--datapath", "vxlan"));
            // n3 has the wrong secret
            WeftCluster wrong = new WeftCluster(
                    lab,
                    WeftCluster.findPluginDir(),
                    List.of("--secret-file", bad.toString(), "--encrypt-pod-traffic", "--datapath", "vxlan"));
            c.startAgent(lab.node(1));
            c.startAgent(lab.node(2));
            wrong.startAgent(lab.node(3));
            await("n1 and n2 ready")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> c.isReady(lab.node(1)) && c.isReady(lab.node(2)));

            Fault f1 = lab.node(1).blockUdpPort(4789);
            Fault f2 = lab.node(2).blockUdpPort(4789);
            WeftCluster.Pod a = c.addPod(lab.node(1), "a");
            WeftCluster.Pod b = c.addPod(lab.node(2), "b");
            await("a pings b over the encrypted sleeve")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> a.pod().ping(b.address(), 1).received() == 1);
            await("b pings a")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> b.pod().ping(a.address(), 1).received() == 1);
            f1.remove();
            f2.remove();

            Map<String, Object> r1 = c.report(lab.node(1)).orElseThrow();
            assertThat(ReportFormat.map(r1, "encryption").get("enabled")).isEqualTo(true);
            assertThat(ReportFormat.<Map<String, Object>>list(r1, "connections"))
                    .singleElement()
                    .satisfies(conn -> assertThat(conn.get("mode")).isEqualTo("sleeve"));
            // the node with the wrong secret is not a member, and its packets are counted as dropped
            assertThat(ReportFormat.<Map<String, Object>>list(r1, "peers")).hasSize(1);
            await("n1 counts the wrong node's packets as dropped")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        Map<String, Object> dropped = ReportFormat.map(
                                ReportFormat.map(c.report(lab.node(1)).orElseThrow(), "gossip"), "dropped");
                        return dropped.values().stream()
                                        .mapToLong(v -> ((Number) v).longValue())
                                        .sum()
                                > 0;
                    });
            // ... and says so in its log, once, with what to check
            await("n1 logs the rejected gossip")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> c.agent(lab.node(1)).log().contains("gossip dropped"));
            assertThat(c.agent(lab.node(1)).log())
                    .containsPattern("reason=(unknown_key|auth_failed|security_mismatch)")
                    // fault matrix: the line names the cause and the next step
                    .containsPattern("gossip dropped .*reason=unknown_key.*check the cluster secret");
            // the wrong node is alone (its gossip is refused) and its status says why
            await("n3's status warns about the rejected secret")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> wrong.report(lab.node(3))
                            .map(r -> ReportFormat.<String>list(r, "warnings").stream()
                                    .anyMatch(w -> w.contains("cluster secret")))
                            .orElse(false));
            assertThat(ReportFormat.<Map<String, Object>>list(
                            wrong.report(lab.node(3)).orElseThrow(), "peers"))
                    .isEmpty();
        }
    }
}
