package dev.weft.agent.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.addr.Cidr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.LoggerFactory;

/**
 * Benchmark, not a test (issue 12, item 3): what pod churn costs the cluster, in the deterministic simulation of
 * complete agents (the real {@code AgentController} with real IPAM, a real SWIM engine and the real datapath worker
 * on an in-memory kernel, see {@link SimNodeAgent}). One run measures an idle window (0 pod operations, the baseline)
 * and a churn window, per node per simulated second: bytes on the wire (UDP, TCP, total), full ring states and ring
 * deltas sent, fsyncs. Run with:
 *
 * <pre>mvn -B -q -ntp -pl agent -am verify -Dtest=ChurnBenchmark -Dweft.bench=churn -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * The table is printed to agent/target/churn-benchmark.txt (and the test's surefire output). Options:
 * {@code -Dweft.bench.nodes=100 -Dweft.bench.rate=5 -Dweft.bench.pods=30 -Dweft.bench.seconds=60
 * -Dweft.bench.warmup=30 -Dweft.sim.seed=42}.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "weft.bench", matches = "churn|true")
class ChurnBenchmark {

    @Test
    void podChurnTraffic() throws IOException {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        long seed = Long.getLong("weft.sim.seed", 42L);
        int nodes = Integer.getInteger("weft.bench.nodes", 100);
        double rate = Double.parseDouble(System.getProperty("weft.bench.rate", "5"));
        int pods = Integer.getInteger("weft.bench.pods", 30);
        long seconds = Long.getLong("weft.bench.seconds", 60);
        long warmup = Long.getLong("weft.bench.warmup", 30);
        long wallStart = System.nanoTime();

        IpamConfig ipamConfig = IpamConfig.of(Cidr.parse("10.32.0.0/12"), 64); // the agent's defaults
        SimCluster<SimNodeAgent> cluster =
                SimCluster.start(seed, nodes, 100, spec -> new SimNodeAgent(spec, ipamConfig));
        long settleMs = cluster.runUntilSettled(600_000);
        if (settleMs < 0) {
            throw new AssertionError("cluster did not settle (ready, converged, same ring) within 600 s");
        }
        long bootstrappedAt = cluster.net.now() / MS;

        ChurnDriver churn = new ChurnDriver(cluster.net, seed, cluster.agents);
        churn.prefill(pods);
        long prefillSettleMs = cluster.runUntil(() -> churn.quiet() && cluster.settled(), 600_000);
        if (prefillSettleMs < 0 || churn.prefillFailures() > 0) {
            throw new AssertionError("cluster did not settle after the prefill of " + pods + " pods per node ("
                    + churn.prefillFailures() + " ADDs refused)");
        }

        // idle baseline: the same cluster with its pods, no churn
        cluster.net.runFor(warmup * 1000 * MS);
        TrafficSample idle0 = cluster.totals();
        cluster.net.runFor(seconds * 1000 * MS);
        TrafficSample idle = cluster.totals().minus(idle0);

        // churn
        churn.start(rate);
        cluster.net.runFor(warmup * 1000 * MS);
        TrafficSample churn0 = cluster.totals();
        cluster.net.runFor(seconds * 1000 * MS);
        TrafficSample churned = cluster.totals().minus(churn0);
        churn.stop();

        ChurnReport report = new ChurnReport();
        report.note("churn benchmark (issue 12 item 3): " + nodes + " nodes, seed " + seed + ", default SWIM timing, "
                + "latency 0.2-5 ms, no loss; IPAM 10.32.0.0/12, block 64, --ipam-seed = all " + nodes + " node names");
        report.note("agents: AgentController + IpamNode (staged store, group commit) + SwimEngine + DatapathWorker on "
                + "an in-memory kernel; disk " + SimNodeAgent.DISK_MIN_MS + "-" + SimNodeAgent.DISK_MAX_MS
                + " ms, kernel "
                + SimNodeAgent.KERNEL_MIN_MS + "-" + SimNodeAgent.KERNEL_MAX_MS + " ms per effect");
        report.note("cluster: all started (one every 100 ms) and settled (converged, every agent ready, same "
                + "ring everywhere) at t=" + bootstrappedAt + " ms; prefill " + pods + " pods/node settled after "
                + prefillSettleMs + " ms more");
        report.note("windows: " + seconds + " s each after " + warmup + " s warm-up; idle = 0 pod ops, churn = " + rate
                + " CNI ops/node/s (ADD and DEL alternating, population " + pods + "-" + (pods + 1) + "/node)");
        report.note("churn window: pod ops failed = " + churned.podOpsFailed() + "; false suspicions over the run = "
                + cluster.net.falseSuspicions() + ", false deaths = " + cluster.net.falseDeaths()
                + "; wall time " + String.format("%.0f", (System.nanoTime() - wallStart) / 1e9) + " s");
        report.add("idle", 0, idle, nodes, seconds);
        report.add("churn", rate, churned, nodes, seconds);
        String out = report.render();
        System.out.print(out);
        Files.writeString(Path.of("target", "churn-benchmark.txt"), out);
    }
}
