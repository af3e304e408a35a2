package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Await;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The set-up and the checks the dual-stack lab tests share: three agents of a seeded cluster with both families
 * ({@link WeftCluster#DUAL_STACK_RANGE}) on a given lab, the pods they add, both ping matrices, the datapath every
 * node uses to its peers, and "no route left in the sleeve". Closing it removes the lab.
 */
final class DualStackLab implements AutoCloseable {
    final Lab lab;
    final WeftCluster cluster;
    final List<WeftCluster.Pod> pods = new ArrayList<>();

    private DualStackLab(Lab lab, WeftCluster cluster) {
        this.lab = lab;
        this.cluster = cluster;
    }

    /** Starts the agents with {@code --datapath <datapath>} on {@code lab} and waits until all are ready. */
    static DualStackLab start(Lab lab, String datapath) {
        try {
            WeftCluster cluster = new WeftCluster(lab, WeftCluster.findPluginDir(), List.of("--datapath", datapath))
                    .clusterRange(WeftCluster.DUAL_STACK_RANGE)
                    .seeds(lab.nodes().size());
            cluster.startAgents();
            cluster.awaitAllReady(Duration.ofSeconds(120));
            return new DualStackLab(lab, cluster);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** Two pods ("p" and "q") on every node. */
    void addTwoPodsPerNode() {
        for (LabNode n : lab.nodes()) {
            pods.add(cluster.addPod(n, "p"));
            pods.add(cluster.addPod(n, "q"));
        }
    }

    /** The IPv4 and the IPv6 ping matrix of all pods are both all ok (printed either way). */
    void bothMatricesAllOk(String what) {
        StringWriter s = new StringWriter();
        PrintWriter out = new PrintWriter(s);
        boolean v4 = DemoCommand.matrix(out, pods, WeftCluster.Pod::address, "IPv4 ");
        boolean v6 = DemoCommand.matrix(out, pods, WeftCluster.Pod::addressV6, "IPv6 ");
        System.out.println(what + ":\n" + s);
        assertThat(v4).as("IPv4 matrix (" + what + ")\n" + s).isTrue();
        assertThat(v6).as("IPv6 matrix (" + what + ")\n" + s).isTrue();
    }

    /** The datapath each node uses towards every other node, from its report's connections. */
    List<String> modes() {
        List<String> out = new ArrayList<>();
        for (LabNode n : lab.nodes()) {
            cluster.report(n)
                    .ifPresentOrElse(
                            r -> ReportFormat.<Map<String, Object>>list(r, "connections")
                                    .forEach(c -> out.add(String.valueOf(c.get("mode")))),
                            () -> out.add("no report"));
        }
        return out;
    }

    /** Waits until every node uses {@code mode} to every other node. */
    void awaitEveryPeer(String mode, Duration timeout) {
        int pairs = lab.nodes().size() * (lab.nodes().size() - 1);
        Await.until("every node uses " + mode + " to every other (now " + modes() + ")", timeout, () -> {
            List<String> m = modes();
            return m.size() == pairs && m.stream().allMatch(mode::equals);
        });
    }

    /**
     * No Weft route of either family is left on {@code weft.sleeve} on any node (IPv6 ones once stayed after the
     * peers returned to the kernel path: the kernel refused their replace).
     */
    void awaitNoRouteLeftInTheSleeve() {
        for (LabNode n : lab.nodes()) {
            Await.until(
                    n.name() + " has no route into weft.sleeve left",
                    Duration.ofSeconds(20),
                    () -> n.exec("ip", "-6", "route", "show", "proto", "87", "dev", "weft.sleeve")
                            .stdout()
                            .isBlank());
            assertThat(n.exec("ip", "-4", "route", "show", "proto", "87", "dev", "weft.sleeve")
                            .stdout())
                    .isBlank();
        }
    }

    @Override
    public void close() {
        lab.close();
    }
}
