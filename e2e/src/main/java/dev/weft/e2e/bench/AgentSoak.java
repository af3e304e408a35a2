package dev.weft.e2e.bench;

import dev.weft.e2e.cluster.WeftCluster;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabPod;
import dev.weft.e2e.lab.LabProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agent memory soak (not a test): a namespace lab of NODES real agents started through {@code bin/weft agent} (so
 * with exactly the JVM flags the launcher gives the agent) and pod churn on every node, with every agent's RSS,
 * anonymous RSS, thread count and heap used printed every SECONDS seconds for INTERVALS intervals. The churn runs on
 * its own thread as fast as the plugin allows (each round adds PODS pods per node through the real CNI plugin and
 * deletes the previous round's), so a loaded machine slows the churn, never the sampling. The soak is
 * {@code AgentSoak 8 30 60} (8 agents, a row per minute for 30 minutes); growth shows as a rising RSS column, and the
 * heap column tells the heap apart from native memory.
 *
 * <pre>
 *   sudo java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp e2e/target/weft-lab.jar dev.weft.e2e.bench.AgentSoak [nodes=3] [intervals=30] [seconds=60] [pods=5]
 * </pre>
 *
 * Run from the repository root after {@code mvn -B -DskipTests package} (bin/weft finds the agent jar there), and
 * do not rebuild that checkout while it runs (the agents and the plugin run from its target directories).
 */
public final class AgentSoak {
    static final int HTTP_PORT = 6772;

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
            // on a loaded machine members flap and readiness comes late: the soak goes on after 10 minutes anyway
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (ready(c, lab) < nodes && System.nanoTime() < deadline) Thread.sleep(500);
            System.out.printf(
                    "%d of %d agents ready (flags from %s); per agent: RSS MiB [anon RSS]/threads h<heap used MiB>%n",
                    ready(c, lab), nodes, weft);
            System.out.println("interval  time     load  ready pods added/live/failed  "
                    + String.join("  ", lab.nodes().stream().map(LabNode::name).toList()));
            Churn churn = new Churn(c, lab.nodes(), pods);
            Thread churner = Thread.ofPlatform().name("churn").start(churn);
            long t0 = System.nanoTime();
            try {
                for (int i = 0; i <= intervals; i++) {
                    StringBuilder row = new StringBuilder(String.format(
                            "%8d  %5.1fmin %5s  %2d  %5d/%d/%-4d ",
                            i,
                            (System.nanoTime() - t0) / 60e9,
                            load(),
                            ready(c, lab),
                            churn.added.get(),
                            churn.live.get(),
                            churn.failed.get()));
                    for (int k = 0; k < agents.size(); k++) {
                        LabNode n = lab.nodes().get(k);
                        row.append(' ')
                                .append(AgentMemory.of(agents.get(k).pid(), n, n.address(), HTTP_PORT)
                                        .compact());
                    }
                    System.out.println(row);
                    if (i == intervals) break;
                    long wait = t0 + (i + 1) * (long) seconds * 1_000_000_000L - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000);
                }
            } finally {
                churn.stop.set(true);
                churner.join(Duration.ofMinutes(2).toMillis());
            }
            for (int k = 0; k < agents.size(); k++) {
                LabNode n = lab.nodes().get(k);
                System.out.println(n.name() + ": "
                        + AgentMemory.of(agents.get(k).pid(), n, n.address(), HTTP_PORT)
                                .line());
            }
        }
    }

    /** Pod churn on every node until stopped: each round adds PODS pods per node and deletes the previous round's. */
    private static final class Churn implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong added = new AtomicLong();
        final AtomicLong live = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private final WeftCluster c;
        private final List<LabNode> nodes;
        private final int pods;

        Churn(WeftCluster c, List<LabNode> nodes, int pods) {
            this.c = c;
            this.nodes = nodes;
            this.pods = pods;
        }

        @Override
        public void run() {
            Deque<WeftCluster.Pod> previous = new ArrayDeque<>();
            int seq = 0;
            while (!stop.get()) {
                Deque<WeftCluster.Pod> round = new ArrayDeque<>();
                for (LabNode n : nodes) {
                    for (int p = 0; p < pods && !stop.get(); p++) {
                        String label = "s" + seq++;
                        try {
                            round.add(c.addPod(n, label));
                            added.incrementAndGet();
                            live.incrementAndGet();
                        } catch (RuntimeException e) { // e.g. "try again later" from an agent not ready
                            failed.incrementAndGet();
                            c.lab().pods().stream()
                                    .filter(q -> q.node() == n && q.label().equals(label))
                                    .forEach(LabPod::delete);
                        }
                    }
                }
                while (!previous.isEmpty()) {
                    WeftCluster.Pod p = previous.poll();
                    if (!c.deletePod(p).ok()) failed.incrementAndGet();
                    p.pod().delete();
                    live.decrementAndGet();
                }
                previous = round;
            }
        }
    }

    private static long ready(WeftCluster c, Lab lab) {
        return lab.nodes().stream().filter(c::isReady).count();
    }

    /** The 1-minute load average. */
    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
