package dev.weft.e2e.bench;

import dev.weft.e2e.cluster.WeftCluster;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Agent memory soak (not a test): a namespace lab of NODES real agents started through {@code bin/weft agent} (so
 * with exactly the JVM flags the launcher gives the agent), pod churn on every node (each interval adds PODS pods
 * per node through the real CNI plugin and deletes the previous interval's), and every agent's RSS, anonymous RSS
 * and thread count printed every interval. The soak is {@code AgentSoak 8 30 60} (8 agents, 30 intervals
 * of 60 s); growth shows as a rising RSS column.
 *
 * <pre>
 *   sudo java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp e2e/target/weft-lab.jar dev.weft.e2e.bench.AgentSoak [nodes=3] [intervals=30] [seconds=60] [pods=5]
 * </pre>
 *
 * Run from the repository root after {@code mvn -B -DskipTests package} (bin/weft finds the agent jar there).
 */
public final class AgentSoak {
    private AgentSoak() {}

    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int intervals = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        int pods = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Path weft = Path.of("bin", "weft").toAbsolutePath();
        if (!Files.isExecutable(weft)) throw new IllegalStateException("run from the repository root: no " + weft);
        try (Lab lab = Lab.builder().nodes(nodes).start()) {
            WeftCluster c = new WeftCluster(lab, WeftCluster.findPluginDir(), List.of());
            List<LabProcess> agents = new ArrayList<>();
            for (LabNode n : lab.nodes()) {
                List<String> cmd = new ArrayList<>(List.of(weft.toString()));
                cmd.addAll(c.agentArgs(n));
                agents.add(n.start("agent", cmd));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!lab.nodes().stream().allMatch(c::isReady)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("agents not ready after 3 minutes:\n"
                            + agents.get(0).tail(20));
                }
                Thread.sleep(500);
            }
            System.out.printf("%d agents ready (flags from %s); RSS MiB per agent [anon], threads%n", nodes, weft);
            System.out.println("interval  pods  "
                    + String.join("  ", lab.nodes().stream().map(LabNode::name).toList()));
            Deque<WeftCluster.Pod> previous = new ArrayDeque<>();
            int seq = 0;
            for (int i = 0; i <= intervals; i++) {
                StringBuilder row = new StringBuilder(String.format("%8d  %4d ", i, previous.size()));
                for (LabProcess a : agents) row.append(' ').append(memory(a.pid()));
                System.out.println(row);
                if (i == intervals) break;
                long next = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                Deque<WeftCluster.Pod> added = new ArrayDeque<>();
                for (LabNode n : lab.nodes()) {
                    for (int p = 0; p < pods; p++) added.add(c.addPod(n, "s" + seq++));
                }
                while (!previous.isEmpty()) {
                    WeftCluster.Pod p = previous.poll();
                    c.deletePod(p);
                    p.pod().delete();
                }
                previous = added;
                long wait = next - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000);
            }
        }
    }

    /** {@code rss[anon]/threads} of a process in MiB from /proc/PID/status. */
    static String memory(long pid) {
        try {
            Map<String, String> f = new java.util.HashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                int colon = line.indexOf(':');
                if (colon > 0)
                    f.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
            return String.format(
                    "%5.1f[%5.1f]/%-3s",
                    kib(f.get("VmRSS")) / 1024.0, kib(f.get("RssAnon")) / 1024.0, f.get("Threads"));
        } catch (IOException e) {
            return "   (gone)    ";
        }
    }

    private static long kib(String v) {
        return v == null ? 0 : Long.parseLong(v.replace("kB", "").trim());
    }
}
