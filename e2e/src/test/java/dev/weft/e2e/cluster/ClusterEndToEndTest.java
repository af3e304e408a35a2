package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.ReportFormat;
import dev.weft.cni.Json;
import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.JvmCommand;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabProcess;
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
 * The whole product in namespaces: three real agents (gossip, IPAM ring, kernel VXLAN, CNI server) on a lab
 * underlay, pods attached by the real plugin executable, real pings. The steps build on each other (one
 * cluster, ordered tests) to keep the run short; each step says what it proves.
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {
    private Lab lab;
    private WeftCluster cluster;
    private final List<WeftCluster.Pod> pods = new ArrayList<>();

    @BeforeAll
    void up() {
        lab = Lab.builder().nodes(4).start();
        try {
            // n1..n3 create the cluster (IPAM seeds); n4 joins later
            cluster = new WeftCluster(lab, WeftCluster.findPluginDir(), List.of("--datapath", "vxlan")).seeds(3);
            cluster.startAgents(lab.nodes().subList(0, 3));
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

    private void allPodsReachEachOther() {
        for (WeftCluster.Pod a : pods) {
            for (WeftCluster.Pod b : pods) {
                if (a == b) continue;
                await(a.pod().namespace() + " pings " + b.address())
                        .atMost(Duration.ofSeconds(15))
                        .until(() -> a.pod().ping(b.address(), 1).received() == 1);
            }
        }
    }

    @Test
    @Order(1)
    void podsOnDifferentNodesTalkOverVxlan() {
        for (LabNode n : lab.nodes().subList(0, 3)) {
            pods.add(cluster.addPod(n, "p"));
            pods.add(cluster.addPod(n, "q"));
        }
        assertThat(pods)
                .extracting(WeftCluster.Pod::address)
                .doesNotHaveDuplicates()
                .allMatch(a -> a.startsWith("198.18."));
        allPodsReachEachOther();
        // the traffic really is VXLAN: blocking UDP 4789 on n3's link cuts n1 <-> n3 pods
        var block = lab.node(3).blockUdpPort(4789);
        try {
            assertThat(pods.get(0).pod().ping(pods.get(4).address(), 1).received())
                    .isZero();
            // ... and the agents notice: the kernel path probes fail, n1 <-> n3 moves to the userspace sleeve
            await("n1 uses the sleeve to n3")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> mode(lab.node(1), lab.node(3)).equals("sleeve"));
            assertThat(mode(lab.node(1), lab.node(2))).isEqualTo("vxlan");
            allPodsReachEachOther();
            // fault matrix: the log names the cause and the next step, and weft doctor on n1 shows it
            assertThat(cluster.agent(lab.node(1)).log())
                    .containsPattern("kernel VXLAN path to peer failed .*is UDP 4789 blocked between the nodes\\?");
            ExecResult doctor = lab.node(1)
                    .exec(
                            JvmCommand.of(
                                    "dev.weft.agent.Main",
                                    "doctor",
                                    "--socket",
                                    cluster.apiSocket(lab.node(1)).toString()),
                            Duration.ofSeconds(60));
            assertThat(doctor.stdout())
                    .containsPattern("peer n3 +WARN +using the userspace sleeve")
                    .contains("is UDP 4789 open between this node and "
                            + lab.node(3).address());
        } finally {
            block.remove();
        }
        await("n1 back on kernel VXLAN to n3")
                .atMost(Duration.ofSeconds(30))
                .until(() -> mode(lab.node(1), lab.node(3)).equals("vxlan"));
        allPodsReachEachOther();
    }

    private String mode(LabNode from, LabNode to) {
        String toId = cluster.report(to)
                .map(r -> String.valueOf(ReportFormat.map(r, "peer").get("id")))
                .orElse("?");
        return cluster.report(from)
                .map(r -> ReportFormat.<Map<String, Object>>list(r, "connections").stream()
                        .filter(c -> toId.equals(c.get("peer")))
                        .map(c -> String.valueOf(c.get("mode")))
                        .findFirst()
                        .orElse("none"))
                .orElse("none");
    }

    @Test
    @Order(2)
    void statusTellsTheOperatorTheTruth() {
        Map<String, Object> r = cluster.report(lab.node(1)).orElseThrow();
        assertThat(r.get("ready")).isEqualTo(true);
        // the lab gives every agent the run's secret: gossip is encrypted by default, pod traffic stays on kernel VXLAN
        assertThat(ReportFormat.map(r, "encryption"))
                .containsEntry("enabled", true)
                .containsEntry("required", true)
                .containsEntry("podTraffic", false);
        assertThat(ReportFormat.<String>list(r, "warnings")).noneMatch(w -> w.contains("encryption is disabled"));
        List<Map<String, Object>> conns = ReportFormat.list(r, "connections");
        assertThat(conns).hasSize(2).allSatisfy(c -> {
            assertThat(c.get("mode")).isEqualTo("vxlan");
            assertThat(c.get("health")).isEqualTo("ok");
        });
        Map<String, Object> ipam = ReportFormat.map(r, "ipam");
        assertThat(ReportFormat.list(ipam, "owners")).hasSize(3);
        assertThat(((Number) ipam.get("allocated")).longValue()).isEqualTo(2);
        String table = ReportFormat.ipam(r);
        assertThat(table).contains("n1").contains("n2").contains("n3");

        ExecResult metrics = lab.node(1)
                .exec(
                        List.of(
                                "bash",
                                "-c",
                                "exec 3<>/dev/tcp/" + lab.node(1).address()
                                        + "/6772; printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"),
                        Duration.ofSeconds(10));
        assertThat(metrics.stdout())
                .contains("200")
                .contains("weft_gossip_members{state=\"alive\"} 2")
                .contains("weft_ready 1")
                .contains("weft_ipam_addresses{kind=\"used\"} 2")
                .contains("weft_cni_requests_total{command=\"ADD\"} 2")
                .contains("weft_cni_request_duration_seconds_count{command=\"ADD\"} 2")
                .contains("weft_gossip_dropped_packets_total");
        // HTTP binds the node's own address by default, not 0.0.0.0: loopback gets nothing
        ExecResult loopback =
                lab.node(1).exec(List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/6772"), Duration.ofSeconds(10));
        assertThat(loopback.ok()).as("connect to 127.0.0.1:6772 is refused").isFalse();
    }

    @Test
    @Order(2)
    void aSecondAgentOnTheSameStateDirectoryExitsWithCode2AndSaysWhy() {
        LabNode n1 = lab.node(1);
        LabProcess second = n1.start(
                "agent-twin",
                dev.weft.e2e.lab.JvmCommand.of(
                        dev.weft.e2e.lab.JvmCommand.DEFAULT_FLAGS, "dev.weft.agent.Main", cluster.agentArgs(n1)));
        assertThat(second.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
        assertThat(second.log()).contains("another weft agent is already running with the state directory");
        assertThat(cluster.agent(n1).isAlive()).isTrue();
        assertThat(cluster.isReady(n1)).isTrue();
    }

    @Test
    @Order(3)
    void handDeletedKernelEntriesAreRepaired() {
        LabNode n1 = lab.node(1);
        String dev = "weft.vxlan";
        n1.exec("ip", "link", "del", dev).orThrow();
        await("vxlan device restored")
                .atMost(Duration.ofSeconds(20))
                .until(() -> n1.exec("ip", "link", "show", dev).ok());
        allPodsReachEachOther();
        Map<String, Object> dp = ReportFormat.map(cluster.report(n1).orElseThrow(), "datapath");
        assertThat(((Number) dp.get("repairs")).longValue()).isPositive();
    }

    @Test
    @Order(4)
    void aHungAgentIsDetectedAndPodsKeepTalking() {
        LabProcess a3 = cluster.agent(lab.node(3));
        String id3 = String.valueOf(ReportFormat.map(cluster.report(lab.node(3)).orElseThrow(), "peer")
                .get("id"));
        a3.suspend();
        try {
            long t0 = System.nanoTime();
            await("n1 sees n3's agent as failed")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> peerState(lab.node(1), id3).matches("suspect|dead"));
            System.out.printf("hung agent suspected after %.1f s%n", (System.nanoTime() - t0) / 1e9);
            // the kernel datapath does not need the agent: pods on n3 still answer
            allPodsReachEachOther();
        } finally {
            a3.resume();
        }
        await("n3 alive again")
                .atMost(Duration.ofSeconds(30))
                .until(() -> peerState(lab.node(1), id3).equals("alive"));
    }

    @Test
    @Order(5)
    void killedAgentDoesNotStopTrafficAndRestartKeepsAddresses() {
        LabNode n2 = lab.node(2);
        WeftCluster.Pod from = pods.get(0);
        WeftCluster.Pod to = pods.get(2); // on n2
        // a flow through n2 while its agent is killed and restarted: 40 pings over ~8 s
        LabProcess flow = from.pod().start("flow", List.of("ping", "-i", "0.2", "-c", "40", "-W", "1", to.address()));
        cluster.agent(n2).kill();
        cluster.startAgent(n2);
        await("n2 ready again").atMost(Duration.ofSeconds(60)).until(() -> cluster.isReady(n2));
        flow.awaitExit(Duration.ofSeconds(30));
        String summary = flow.log()
                .lines()
                .filter(l -> l.contains("received"))
                .findFirst()
                .orElse("");
        int received = Integer.parseInt(summary.replaceAll(".* (\\d+) received.*", "$1"));
        assertThat(received)
                .as("pings through n2 while its agent was killed and restarted: " + summary)
                .isGreaterThanOrEqualTo(38);

        WeftCluster.Pod p2 = pods.get(2);
        ExecResult again = cluster.plugin(
                n2, "ADD", p2.containerId(), "/var/run/netns/" + p2.pod().namespace(), "eth0");
        assertThat(again.ok())
                .as("repeated ADD on an existing interface fails as the spec says")
                .isFalse();
        Map<String, Object> ipam = ReportFormat.map(cluster.report(n2).orElseThrow(), "ipam");
        assertThat(((Number) ipam.get("allocated")).longValue())
                .as("pods keep their addresses")
                .isEqualTo(2);
        WeftCluster.Pod fresh = cluster.addPod(n2, "fresh");
        assertThat(pods).extracting(WeftCluster.Pod::address).doesNotContain(fresh.address());
        pods.add(fresh);
        allPodsReachEachOther();
    }

    @Test
    @Order(6)
    void delReleasesTheAddressAndIsIdempotent() {
        WeftCluster.Pod p3 = pods.remove(5); // n3's second pod
        assertThat(cluster.deletePod(p3).ok()).isTrue();
        assertThat(cluster.deletePod(p3).ok()).as("repeated DEL").isTrue();
        Map<String, Object> ipam = ReportFormat.map(cluster.report(lab.node(3)).orElseThrow(), "ipam");
        assertThat(((Number) ipam.get("allocated")).longValue()).isEqualTo(1);
        allPodsReachEachOther();
    }

    @Test
    @Order(7)
    void aFourthNodeJoinsGetsSpaceAndConnectivity() {
        LabNode n4 = lab.node(4);
        cluster.startAgent(n4);
        await("n4 ready (owns space donated by a peer)")
                .atMost(Duration.ofSeconds(60))
                .until(() -> cluster.isReady(n4));
        Map<String, Object> ipam = ReportFormat.map(cluster.report(n4).orElseThrow(), "ipam");
        assertThat(((Number) ipam.get("owned")).longValue()).isPositive();
        WeftCluster.Pod p4 = cluster.addPod(n4, "p");
        assertThat(pods).extracting(WeftCluster.Pod::address).doesNotContain(p4.address());
        pods.add(p4);
        allPodsReachEachOther();
    }

    @Test
    @Order(8)
    void rmpeerReclaimsAGoneNodeAndTheNodeComesBackAsANewPeer() throws Exception {
        LabNode n3 = lab.node(3);
        String id3 = String.valueOf(
                ReportFormat.map(cluster.report(n3).orElseThrow(), "peer").get("id"));
        for (WeftCluster.Pod p : List.copyOf(pods)) {
            if (p.node() == n3) {
                cluster.deletePod(p);
                pods.remove(p);
            }
        }
        cluster.agent(n3).kill();
        Map<String, Object> refused = cluster.api(lab.node(1), Json.obj("cmd", "rmpeer", "peer", "n3"));
        assertThat(refused.get("ok"))
                .as("rmpeer of a peer that is still alive/suspect is refused")
                .isEqualTo(false);
        await("n3 dead")
                .atMost(Duration.ofSeconds(40))
                .until(() -> peerState(lab.node(1), id3).equals("dead"));
        Map<String, Object> r = cluster.api(lab.node(1), Json.obj("cmd", "rmpeer", "peer", "n3"));
        assertThat(r.get("ok")).as(String.valueOf(r)).isEqualTo(true);
        await("n2 sees n3's ranges owned by n1")
                .atMost(Duration.ofSeconds(20))
                .until(() -> ReportFormat.<Map<String, Object>>list(
                                ReportFormat.map(cluster.report(lab.node(2)).orElseThrow(), "ipam"), "owners")
                        .stream()
                        .noneMatch(o -> id3.equals(o.get("peer")) && ((Number) o.get("size")).longValue() > 0));
        await("n2 drops its routes to the removed peer")
                .atMost(Duration.ofSeconds(20))
                .until(() ->
                        ReportFormat.<Map<String, Object>>list(
                                        cluster.report(lab.node(2)).orElseThrow(), "routes")
                                .stream()
                                .noneMatch(rt -> id3.equals(rt.get("peer"))));

        // n3 comes back with its old state: it learns it was removed and exits to start over as a new peer
        LabProcess back = cluster.startAgent(n3);
        assertThat(back.awaitExit(Duration.ofSeconds(60))).isEqualTo(75);
        assertThat(back.log()).contains("reclaimed");
        cluster.startAgent(n3);
        await("n3 ready as a new peer").atMost(Duration.ofSeconds(90)).until(() -> cluster.isReady(n3));
        String newId = String.valueOf(
                ReportFormat.map(cluster.report(n3).orElseThrow(), "peer").get("id"));
        assertThat(newId).isNotEqualTo(id3);
        WeftCluster.Pod back3 = cluster.addPod(n3, "r");
        assertThat(pods).extracting(WeftCluster.Pod::address).doesNotContain(back3.address());
        pods.add(back3);
        assertThat(pods).extracting(WeftCluster.Pod::address).doesNotHaveDuplicates();
        allPodsReachEachOther();
    }

    private String peerState(LabNode from, String id) {
        return cluster.report(from)
                .map(r -> ReportFormat.<Map<String, Object>>list(r, "peers").stream()
                        .filter(p -> id.equals(p.get("id")))
                        .map(p -> String.valueOf(p.get("state")))
                        .findFirst()
                        .orElse("unknown"))
                .orElse("unknown");
    }
}
