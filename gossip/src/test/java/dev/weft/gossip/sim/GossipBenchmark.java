package dev.weft.gossip.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test: convergence and traffic versus cluster size in the deterministic simulation.
 * Run with:
 * <pre>mvn -B -q -pl gossip test -Dtest=GossipBenchmark -Dweft.bench=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * The table is printed to the test's output (gossip/target/surefire-reports/dev.weft.gossip.sim.GossipBenchmark-output.txt).
 * Sizes via -Dweft.bench.sizes=100,500,1000, seed via -Dweft.sim.seed, steady-state window (in which traffic
 * and view repairs are measured, push-pull included) via -Dweft.bench.steadySeconds=300.
 */
class GossipBenchmark {
    @Test
    void convergenceAndTrafficVersusClusterSize() {
        assumeTrue(Boolean.getBoolean("weft.bench"), "benchmark: run with -Dweft.bench=true");
        long seed = Long.getLong("weft.sim.seed", 42L);
        SwimSettings s = SwimSettings.defaults();
        int steadySeconds = Integer.getInteger("weft.bench.steadySeconds", 300);
        StringBuilder table = new StringBuilder();
        table.append(String.format(
                "%6s %12s %14s %12s %12s %16s %12s %12s %14s %10s%n",
                "N",
                "bootstrap_ms",
                "join_all_ms",
                "kill_dead_ms",
                "hang_dead_ms",
                "bytes/member/s",
                "udp_B/m/s",
                "tcp_B/m/s",
                "view_repairs",
                "wall_s"));
        for (String size :
                System.getProperty("weft.bench.sizes", "100,500,1000").split(",")) {
            int n = Integer.parseInt(size.trim());
            long wall = System.nanoTime();
            SimNetwork net = new SimNetwork(seed);
            long boot = net.bootstrap(n, s, 2 * MS, 600_000 * MS);
            SimMember joiner = net.add(PeerId.of(n + 1), s, null, null);
            net.join(joiner.id(), net.members().get(net.random().nextInt(n)).id());
            long join = net.runUntil(() -> net.allSee(joiner.id(), MemberState.ALIVE), 30_000 * MS, 10 * MS);
            net.runFor(30_000 * MS); // let the join's broadcasts drain
            long b0 = net.totalBytes();
            long s0 = net.totalStreamBytes();
            long r0 = net.members().stream()
                    .mapToLong(x -> x.engine().viewRepairs())
                    .sum();
            net.runFor(steadySeconds * 1000 * MS);
            double perMember = (net.totalBytes() - b0) / (double) steadySeconds / (n + 1);
            double streamPerMember = (net.totalStreamBytes() - s0) / (double) steadySeconds / (n + 1);
            long repairs = net.members().stream()
                            .mapToLong(x -> x.engine().viewRepairs())
                            .sum()
                    - r0;
            PeerId victim = net.members().get(1).id();
            net.kill(victim);
            long kill = net.runUntil(() -> net.allSee(victim, MemberState.DEAD), 120_000 * MS, 10 * MS);
            PeerId hung = net.members().get(2).id();
            net.hang(hung, true);
            long hang = net.runUntil(() -> net.allSee(hung, MemberState.DEAD), 120_000 * MS, 10 * MS);
            table.append(String.format(
                    "%6d %12d %14d %12d %12d %16.0f %12.0f %12.0f %14d %10.1f%n",
                    n,
                    boot / MS,
                    join / MS,
                    kill / MS,
                    hang / MS,
                    perMember,
                    perMember - streamPerMember,
                    streamPerMember,
                    repairs,
                    (System.nanoTime() - wall) / 1e9));
        }
        System.out.println(
                "gossip simulation benchmark (seed " + seed + ", default timing, latency 0.2-5 ms, no loss)");
        System.out.print(table);
    }
}
