package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Await;
import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.JvmCommand;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabPod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The faults an operator meets, injected one after the other into one lab: for each, a log line names the cause and
 * the next step, and {@code weft doctor} or {@code weft status} shows it. Faults checked elsewhere in this suite, on
 * labs that run anyway: UDP 4789 blocked ({@link ClusterEndToEndTest#podsOnDifferentNodesTalkOverVxlan}), a wrong
 * cluster secret ({@link EncryptedClusterTest}).
 *
 * <p>Here, on a two-node cluster with a tiny range (198.18.0.0/27, blocks of 4): the cluster range full, the agent
 * down while the plugin runs, a corrupt state file, a pod MTU too large for the underlay, and a third node whose
 * seed list differs from the ring's.
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultMatrixTest {
    static final String RANGE = "198.18.0.0/27";
    static final Duration LOG_WAIT = Duration.ofSeconds(30);

    private Lab lab;
    private WeftCluster cluster;
    private LabNode n1;
    private LabNode n2;

    @BeforeAll
    void up() {
        lab = Lab.builder().nodes(3).start();
        try {
            cluster = new WeftCluster(
                            lab, WeftCluster.findPluginDir(), List.of("--datapath", "vxlan", "--block-size", "4"))
                    .seeds(2)
                    .clusterRange(RANGE);
            n1 = lab.node(1);
            n2 = lab.node(2);
            cluster.startAgents(List.of(n1, n2));
            cluster.awaitAllReady(Duration.ofSeconds(90));
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    @AfterAll
    void down() {
        if (lab != null) lab.close();
    }

    /** {@code weft doctor} run in the node's namespace, as an operator on that node would. */
    private String doctor(LabNode n) {
        ExecResult r = n.exec(
                JvmCommand.of(
                        "dev.weft.agent.Main",
                        "doctor",
                        "--socket",
                        cluster.apiSocket(n).toString()),
                Duration.ofSeconds(60));
        return r.stdout() + r.stderr();
    }

    private List<String> statusWarnings(LabNode n) {
        Map<String, Object> r = cluster.report(n).orElseThrow();
        List<String> out = new ArrayList<>();
        ReportFormat.list(ReportFormat.map(r, "ipam"), "warnings").forEach(w -> out.add(String.valueOf(w)));
        return out;
    }

    @Test
    @Order(1)
    void aFullClusterRangeIsNamedInTheCniErrorTheLogStatusDoctorAndMetrics() {
        List<LabPod> made = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        String[] lastError = {null};
        // pods on n1 until an ADD is refused because the cluster range cannot give n1 more (n1 asks n2 for space
        // first: while space is on its way the error says so and the runtime's retry succeeds)
        for (int i = 0; i < 32 && lastError[0] == null; i++) {
            LabPod pod = n1.createPod("f" + i);
            made.add(pod);
            String id = lab.runId() + "-full-" + i;
            String netns = "/var/run/netns/" + pod.namespace();
            Await.until("ADD of pod " + i + " succeeds or names the full cluster range", Duration.ofSeconds(30), () -> {
                ExecResult r = cluster.plugin(n1, "ADD", id, netns, "eth0");
                if (r.ok()) {
                    ids.add(id);
                    return true;
                }
                if (r.stdout().contains("the cluster range")) {
                    lastError[0] = r.stdout();
                    return true;
                }
                assertThat(r.stdout()).containsPattern("\"code\"\\s*:\\s*11").contains("asked a peer");
                return false;
            });
        }
        assertThat(lastError[0])
                .as("the range fills before 32 pods")
                .isNotNull()
                .containsPattern("\"code\"\\s*:\\s*11")
                .contains("no pod address available on this node")
                .contains("the cluster range " + RANGE)
                .contains("addresses in use")
                .contains("delete pods")
                .contains("Growing the cluster range");
        String logLine = cluster.agent(n1).awaitLine("new pods on this node get no address", LOG_WAIT);
        assertThat(logLine).contains("WARN").contains(RANGE).contains("what to do:");
        assertThat(statusWarnings(n1)).anyMatch(w -> w.contains("addresses in use") && w.contains("grow the"));
        assertThat(ReportFormat.summary(cluster.report(n1).orElseThrow()))
                .contains("Warning")
                .contains(RANGE);
        String doctor = doctor(n1);
        assertThat(doctor).containsPattern("ipam-space +FAIL").contains("fix ipam-space:");
        // what an operator sees, printed for the test's output
        System.out.println("full cluster range: CNI error: " + lastError[0].strip());
        System.out.println("full cluster range: agent log: " + logLine);
        System.out.println("full cluster range: weft status warnings: " + statusWarnings(n1));
        doctor.lines()
                .filter(l -> l.contains("ipam-space"))
                .forEach(l -> System.out.println("full cluster range: weft doctor: " + l));
        ExecResult metrics = n1.exec(
                List.of(
                        "bash",
                        "-c",
                        "exec 3<>/dev/tcp/" + n1.address()
                                + "/6772; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"),
                Duration.ofSeconds(10));
        assertThat(metrics.stdout()).containsPattern("weft_ipam_cluster_addresses\\{[^}]*kind=\"total\"[^}]*} 32");

        // the pods go: the range has room again, and the log says so
        for (int i = 0; i < ids.size(); i++) {
            String netns = "/var/run/netns/" + made.get(i).namespace();
            assertThat(cluster.plugin(n1, "DEL", ids.get(i), netns, "eth0").ok())
                    .isTrue();
        }
        made.forEach(LabPod::delete);
        cluster.agent(n1).awaitLine("the cluster range has room again", LOG_WAIT);
        assertThat(doctor(n1)).containsPattern("ipam-space +OK");
    }

    @Test
    @Order(2)
    void theAgentDownWhileThePluginRunsIsNamedByThePluginAndTheDoctor() {
        assertThat(cluster.agent(n2).stop()).isNotNegative();
        LabPod pod = n2.createPod("down");
        ExecResult r = cluster.plugin(n2, "ADD", lab.runId() + "-down", "/var/run/netns/" + pod.namespace(), "eth0");
        assertThat(r.ok()).isFalse();
        assertThat(r.stdout()).containsPattern("\"code\"\\s*:\\s*11").contains("cannot reach the Weft agent");
        assertThat(doctor(n2)).containsPattern("agent +FAIL").contains("fix agent: start the agent");
        pod.delete();
    }

    @Test
    @Order(3)
    void aCorruptStateFileStopsTheAgentWithTheWayToRecover() throws Exception {
        Path state = cluster.agentDir(n2).resolve("state/ipam.state");
        byte[] good = Files.readAllBytes(state);
        Files.write(state, "this is not an IPAM state file".getBytes());
        var agent = cluster.startAgent(n2);
        assertThat(agent.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(agent.log())
                .contains("is unreadable")
                .contains("Restore the file from a backup")
                .contains("weft rmpeer");
        assertThat(doctor(n2)).containsPattern("agent +FAIL");
        Files.write(state, good);
        cluster.startAgent(n2);
        cluster.awaitAllReady(Duration.ofSeconds(60));
    }

    @Test
    @Order(4)
    void aPodMtuTooLargeForTheUnderlayIsNamedInTheLogStatusAndDoctor() {
        cluster.agent(n2).stop();
        cluster.perNode(n -> n == n2 ? List.of("--mtu", "1480") : List.of());
        var agent = cluster.startAgent(n2);
        String line = agent.awaitLine("pod MTU 1480 + 50 bytes of VXLAN is more than the underlay MTU 1500", LOG_WAIT);
        assertThat(line).contains("WARN").contains("set --mtu to 1450 or less");
        Await.until(
                "n2's status shows the MTU problem",
                LOG_WAIT,
                () -> cluster.report(n2)
                        .map(r -> ReportFormat.summary(r).contains("pod MTU 1480"))
                        .orElse(false));
        assertThat(doctor(n2)).containsPattern("mtu +FAIL").contains("set --mtu to 1450 or less");
        agent.stop();
        cluster.perNode(n -> List.of());
        cluster.startAgent(n2);
    }

    @Test
    @Order(5)
    void aSeedListThatDiffersFromTheRingsIsRefusedWithTheReason() {
        LabNode n3 = lab.node(3);
        cluster.perNode(n -> n == n3 ? List.of("--ipam-seed", "n1,n3") : List.of());
        var agent = cluster.startAgent(n3);
        String line = agent.awaitLine("refused a ring update from a peer", LOG_WAIT);
        assertThat(line)
                .contains("RingMismatchException")
                .contains("check that every node has the same cluster range, block size and seed list");
        Await.until(
                "n3's status names the mismatch",
                LOG_WAIT,
                () -> cluster.report(n3)
                        .map(r -> ReportFormat.summary(r).contains("refusing to merge rings of different origin"))
                        .orElse(false));
        assertThat(doctor(n3)).containsPattern("agent +FAIL").contains("same cluster range, block size and seed list");
    }
}
