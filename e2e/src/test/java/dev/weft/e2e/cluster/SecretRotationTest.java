package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.agent.config.SecretFile;
import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Fault;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Rotating the cluster secret on a running 3-node cluster, the SECURITY.md procedure, with no restart: each node's
 * secret file is rewritten (new key added as the second line everywhere, then made the first everywhere, then the old
 * one dropped) and each agent re-reads it. Gossip is encrypted, and pod traffic goes through the encrypted sleeve
 * ({@code --encrypt-pod-traffic}; kernel VXLAN is blocked to prove it). Pods ping each other all along: no ping may be
 * lost, no member may leave or be suspected, and no gossip packet may be refused for its key.
 */
@Tag("kernel")
class SecretRotationTest {
    private static final Pattern PING_SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");
    private static final int PINGS = 700; // 10 per second: longer than the three steps take
    private static final List<String> KEY_DROPS = List.of("unknown_key", "auth_failed", "security_mismatch");

    @Test
    void theSecretIsRotatedOnEveryNodeWhilePodsPingAndNothingIsLost() throws Exception {
        SecureRandom random = new SecureRandom();
        String oldKey = SecretFile.generate(random);
        String newKey = SecretFile.generate(random);
        try (Lab lab = Lab.builder().nodes(3).start()) {
            for (LabNode n : lab.nodes()) write(keyFile(lab, n), oldKey + "\n");
            WeftCluster c = new WeftCluster(
                            lab,
                            WeftCluster.findPluginDir(),
                            List.of("--encryption", "required", "--encrypt-pod-traffic", "--datapath", "vxlan"))
                    .perNode(n -> List.of("--secret-file", keyFile(lab, n).toString()));
            c.startAgents();
            c.awaitAllReady(Duration.ofSeconds(90));
            List<Fault> noKernelVxlan = new ArrayList<>();
            for (LabNode n : lab.nodes()) noKernelVxlan.add(n.blockUdpPort(4789));

            List<WeftCluster.Pod> pods = new ArrayList<>();
            for (LabNode n : lab.nodes()) pods.add(c.addPod(n, "p" + n.index()));
            for (int i = 0; i < 3; i++) {
                WeftCluster.Pod from = pods.get(i);
                WeftCluster.Pod to = pods.get((i + 1) % 3);
                await(from.node().name() + " pod reaches " + to.node().name() + " pod through the sleeve")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> from.pod().ping(to.address(), 1).received() == 1);
            }
            for (LabNode n : lab.nodes()) {
                assertThat(ReportFormat.<Map<String, Object>>list(c.report(n).orElseThrow(), "connections"))
                        .hasSize(2)
                        .allSatisfy(conn -> assertThat(conn.get("mode")).isEqualTo("sleeve"));
            }
            Map<String, Long> keyDropsBefore = keyDrops(c, lab);

            // pods ping each other in a ring, 10 a second, for the whole rotation
            List<LabProcess> pings = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                WeftCluster.Pod from = pods.get(i);
                WeftCluster.Pod to = pods.get((i + 1) % 3);
                pings.add(from.pod()
                        .start(
                                "ping-" + from.node().name(),
                                List.of(
                                        "ping",
                                        "-n",
                                        "-q",
                                        "-i",
                                        "0.1",
                                        "-W",
                                        "2",
                                        "-c",
                                        Integer.toString(PINGS),
                                        to.address())));
            }
            Map<String, String> notAlive = new ConcurrentHashMap<>();
            long t0 = System.nanoTime();
            List<String> steps = List.of(
                    oldKey + "\n" + newKey + "\n", // 1: new key accepted everywhere, still sent with the old one
                    newKey + "\n" + oldKey + "\n", // 2: sent with the new key everywhere, the old one still accepted
                    newKey + "\n"); // 3: the old key is gone
            for (int step = 1; step <= steps.size(); step++) {
                for (LabNode n : lab.nodes()) write(keyFile(lab, n), steps.get(step - 1));
                int expected = step;
                for (LabNode n : lab.nodes()) {
                    await(n.name() + " re-reads its secret file (step " + step + ")")
                            .atMost(Duration.ofSeconds(20))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> reloads(c.agent(n)) >= expected);
                }
                // every node is on this step: let traffic run under it, and watch membership meanwhile
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < until) {
                    recordNotAlive(c, lab, notAlive, "step " + step);
                    Thread.sleep(500); // sampling interval, not a wait for a condition
                }
            }
            double rotationSeconds = (System.nanoTime() - t0) / 1e9;
            long sent = 0;
            long received = 0;
            for (LabProcess p : pings) {
                p.awaitExit(Duration.ofSeconds(PINGS / 10 + 30));
                Matcher m = PING_SUMMARY.matcher(p.log());
                assertThat(m.find()).as("ping summary in %s", p.log()).isTrue();
                sent += Long.parseLong(m.group(1));
                received += Long.parseLong(m.group(2));
                recordNotAlive(c, lab, notAlive, "after the rotation");
            }
            Map<String, Long> keyDropsAfter = keyDrops(c, lab);
            System.out.printf(
                    "secret rotation on 3 nodes without restart: %.1f s for the 3 steps; pings sent=%d received=%d lost=%d;"
                            + " members not alive at a sample: %s; gossip key drops before=%s after=%s%n",
                    rotationSeconds, sent, received, sent - received, notAlive, keyDropsBefore, keyDropsAfter);

            assertThat(sent).isEqualTo(3L * PINGS);
            assertThat(sent - received).as("pings lost during the rotation").isZero();
            assertThat(notAlive)
                    .as("members seen not alive during the rotation")
                    .isEmpty();
            assertThat(keyDropsAfter).as("gossip refused for its key").isEqualTo(keyDropsBefore);
            for (LabNode n : lab.nodes()) {
                assertThat(c.agent(n).isAlive())
                        .as("agent on %s never restarted", n.name())
                        .isTrue();
                assertThat(c.agent(n).log()).doesNotContain("changed but is refused");
            }

            // control: the files really drive both gossip and the sleeve. n3 goes back to the old key alone: its pod
            // is cut off from the others (only the sleeve carries pod traffic) and its gossip is refused for its key.
            write(keyFile(lab, lab.node(3)), oldKey + "\n");
            await("n3 re-reads its secret file (control)")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> reloads(c.agent(lab.node(3))) >= 4);
            await("n1's pod no longer reaches n3's pod")
                    .atMost(Duration.ofSeconds(30))
                    .until(() ->
                            pods.get(0).pod().ping(pods.get(2).address(), 3).received() == 0);
            assertThat(pods.get(0).pod().ping(pods.get(1).address(), 5).received())
                    .as("n1's pod still reaches n2's pod")
                    .isEqualTo(5);
            await("n1 refuses n3's gossip for its key")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> keyDrops(c, lab).get("unknown_key") > keyDropsAfter.get("unknown_key"));
            noKernelVxlan.forEach(Fault::remove);
        }
    }

    private static Path keyFile(Lab lab, LabNode n) {
        return lab.runDir().resolve(n.name() + ".key");
    }

    /** Replaces the file in one step, as a Secret volume or an editor's save-and-rename does. */
    private static void write(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static long reloads(LabProcess agent) {
        return agent.logLines().stream()
                .filter(l -> l.contains("cluster secret reloaded"))
                .count();
    }

    private static void recordNotAlive(WeftCluster c, Lab lab, Map<String, String> notAlive, String when) {
        for (LabNode n : lab.nodes()) {
            Map<String, Object> r = c.report(n).orElse(null);
            if (r == null) {
                notAlive.put(n.name(), "no report " + when);
                continue;
            }
            List<Map<String, Object>> peers = ReportFormat.list(r, "peers");
            if (peers.size() != 2) notAlive.put(n.name(), peers.size() + " peers " + when);
            for (Map<String, Object> p : peers) {
                if (!"alive".equals(p.get("state"))) {
                    notAlive.put(n.name() + "->" + p.get("nickname"), p.get("state") + " " + when);
                }
            }
        }
    }

    private static Map<String, Long> keyDrops(WeftCluster c, Lab lab) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (LabNode n : lab.nodes()) {
            Map<String, Object> dropped =
                    ReportFormat.map(ReportFormat.map(c.report(n).orElseThrow(), "gossip"), "dropped");
            for (String reason : KEY_DROPS) {
                Object v = dropped.get(reason);
                out.merge(reason, v == null ? 0L : ((Number) v).longValue(), Long::sum);
            }
        }
        return out;
    }
}
