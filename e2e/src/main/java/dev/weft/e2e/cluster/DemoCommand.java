package dev.weft.e2e.cluster;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Await;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code weft lab demo}: a 3-node Weft cluster in network namespaces. Starts a real agent per node, attaches
 * pods through the real CNI plugin, pings every pod from every other pod across nodes, shows what
 * {@code weft status} says, deletes a Weft route by hand and shows it come back, then removes everything
 * (unless {@code --keep}).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run a 3-node Weft cluster in namespaces: agents, pods via the CNI plugin, pod-to-pod pings.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "3", description = "Nodes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--datapath",
            defaultValue = "vxlan",
            description = "vxlan or auto (host-gw on the shared L2). Default ${DEFAULT-VALUE}.")
    String datapath;

    @Option(names = "--keep", description = "Leave the cluster running (remove it later with 'weft lab down').")
    boolean keep;

    @Option(names = "--pods", defaultValue = "1", description = "Pods per node (default ${DEFAULT-VALUE}).")
    int podsPerNode;

    @Option(
            names = "--dual-stack",
            description = "Every pod gets an IPv4 and an IPv6 address (cluster range " + WeftCluster.DUAL_STACK_RANGE
                    + "); prints both ping matrices.")
    boolean dualStack;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Lab lab = Lab.builder().nodes(nodes).persistent(keep).start();
        boolean ok = false;
        try {
            return run(lab, podsPerNode, datapath, keep, true, dualStack, out);
        } catch (RuntimeException e) {
            out.println("demo FAILED: " + e.getMessage());
            out.flush();
            return 1;
        } finally {
            if (!keep) {
                lab.close();
                out.println("lab removed");
                out.flush();
            }
        }
    }

    /** Agents on every node of {@code lab}, pods through the plugin, a ping matrix and status; returns the exit code. */
    public static int run(
            Lab lab, int podsPerNode, String datapath, boolean keep, boolean repairDemo, PrintWriter out) {
        return run(lab, podsPerNode, datapath, keep, repairDemo, false, out);
    }

    /** With {@code dualStack}: IPv4 and IPv6 pod addresses, one ping matrix per family. */
    public static int run(
            Lab lab,
            int podsPerNode,
            String datapath,
            boolean keep,
            boolean repairDemo,
            boolean dualStack,
            PrintWriter out) {
        boolean ok;
        WeftCluster c = new WeftCluster(lab, WeftCluster.findPluginDir(), List.of("--datapath", datapath));
        if (dualStack) c.clusterRange(WeftCluster.DUAL_STACK_RANGE);
        out.printf(
                "lab %s: %d nodes on 192.0.2.0/24; starting a Weft agent on each (logs in %s)%n",
                lab.runId(), lab.nodes().size(), lab.runDir());
        out.printf(
                "cluster secret for this run: %s (a fresh key, as 'weft secret generate' makes it; every agent gets --secret-file)%n",
                c.secretFile());
        out.flush();
        long t0 = System.nanoTime();
        c.startAgents();
        c.awaitAllReady(Duration.ofSeconds(120));
        out.printf("all agents ready after %.1f s%n%n", (System.nanoTime() - t0) / 1e9);

        List<WeftCluster.Pod> pods = new ArrayList<>();
        for (LabNode n : lab.nodes()) {
            for (int i = 1; i <= podsPerNode; i++) {
                WeftCluster.Pod p = c.addPod(n, "web" + i);
                pods.add(p);
                out.printf(
                        "pod %-22s on %s got %s (CNI ADD through the plugin)%n",
                        p.pod().namespace(),
                        n.name(),
                        p.addressV6() == null ? p.address() : p.address() + " and " + p.addressV6());
            }
        }
        out.println();
        boolean allOk = matrix(out, pods, WeftCluster.Pod::address, dualStack ? "IPv4 " : "");
        if (dualStack) allOk &= matrix(out, pods, WeftCluster.Pod::addressV6, "IPv6 ");
        LabNode n1 = lab.node(1);
        Map<String, Object> report = c.report(n1).orElseThrow();
        out.println("$ weft status            (on " + n1.name() + ")");
        out.print(ReportFormat.summary(report));
        out.println();
        out.println("$ weft status connections");
        out.print(ReportFormat.connections(report));
        out.println();
        out.println("$ weft status ipam");
        out.print(ReportFormat.ipam(report));
        out.println();

        // self-healing: delete a Weft route by hand and watch it come back
        List<Map<String, Object>> routes = ReportFormat.list(report, "routes");
        Map<String, Object> victim = routes.stream()
                .filter(r -> !"local-pod".equals(r.get("mode")))
                .findFirst()
                .orElse(null);
        if (victim != null && repairDemo) {
            String dst = String.valueOf(victim.get("destination"));
            n1.exec("ip", "route", "del", dst).orThrow();
            out.println("deleted route " + dst + " on " + n1.name() + " by hand (ip route del " + dst + ")");
            long t1 = System.nanoTime();
            boolean back = Await.poll(
                    Duration.ofSeconds(20),
                    () -> n1.exec("ip", "route", "show", dst).stdout().contains(dst.split("/")[0]));
            out.printf(
                    back ? "  ... restored by the agent after %.1f s%n%n" : "  ... NOT restored within %.0f s%n%n",
                    (System.nanoTime() - t1) / 1e9);
            allOk &= back;
        }
        ok = allOk;
        out.println(
                ok
                        ? "demo OK: pods on different nodes talk over Weft"
                        : "demo FAILED: see above and the agent logs in " + lab.runDir());
        if (keep) {
            out.println("the cluster keeps running (lab " + lab.runId() + "). Try:");
            out.println("  bin/weft lab exec n1 -- weft status ipam     (finds n1's agent by itself)");
            out.println("  bin/weft lab exec n1 -- weft doctor");
            out.println("  bin/weft lab exec n1 -- ip route");
            out.println("  bin/weft lab down " + lab.runId() + "      (removes it)");
        }
        out.flush();
        return ok ? 0 : 1;
    }

    /** Every pod pings every other pod's address of one family; prints the matrix, returns whether all answered. */
    static boolean matrix(
            PrintWriter out,
            List<WeftCluster.Pod> pods,
            java.util.function.Function<WeftCluster.Pod, String> address,
            String family) {
        int w = pods.stream()
                        .mapToInt(p -> String.valueOf(address.apply(p)).length())
                        .max()
                        .orElse(14)
                + 2;
        out.println(family + "pod-to-pod pings (row pings column):");
        out.printf("%-10s", "");
        for (WeftCluster.Pod p : pods) out.printf("%-" + w + "s", address.apply(p));
        out.println();
        boolean allOk = true;
        for (WeftCluster.Pod from : pods) {
            out.printf("%-10s", from.node().name() + "/" + from.pod().label());
            for (WeftCluster.Pod to : pods) {
                if (from == to) {
                    out.printf("%-" + w + "s", "-");
                    continue;
                }
                String dst = address.apply(to);
                boolean reach = dst != null
                        && Await.poll(
                                Duration.ofSeconds(10),
                                () -> from.pod().ping(dst, 1).received() == 1);
                allOk &= reach;
                out.printf("%-" + w + "s", reach ? "ok" : "FAIL");
            }
            out.println();
        }
        out.println();
        out.flush();
        return allOk;
    }
}
