package dev.weft.e2e.bench;

import dev.weft.e2e.cluster.WeftCluster;
import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.JvmCommand;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Agent memory with 100 peers (not a test). Two real agents started through {@code bin/weft agent} (so with the
 * launcher's JVM flags) at the same time, in two clusters of the same lab that never merge (different cluster names):
 *
 * <ul>
 *   <li>{@code n2}: the measured agent, with 99 {@link SimPeers} (real gossip with the cluster secret, real IPAM ring
 *       shares and node records), so it holds 100 members and installs a route per CIDR of each peer's share, an FDB
 *       entry and a neighbour entry per peer;
 *   <li>{@code n1}: the baseline, the same agent binary and flags with one simulated peer (2 members).
 * </ul>
 *
 * The simulated peers live in a third lab namespace ({@code n3}) with underlay addresses 198.51.100.1-100 (DESIGN
 * §10); the agents reach them over an on-link route. Once the measured agent sees 100 alive members and routes to
 * every peer (counted with {@code ip route} in its namespace), both agents run {@code SETTLE} more seconds and are
 * sampled every 10 s for {@code SAMPLES} samples; the last sample is printed with the highest RSS seen.
 *
 * <pre>
 *   sudo java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp e2e/target/weft-lab.jar dev.weft.e2e.bench.AgentPeers [peers=99] [settle=60] [samples=6]
 * </pre>
 *
 * {@code -Dweft.bench.nmt=true} starts both agents with {@code -XX:NativeMemoryTracking=summary} and prints
 * {@code jcmd VM.native_memory summary} of each at the end (NMT itself costs a few MiB: not for the headline figure).
 * Run from the repository root after {@code mvn -B -DskipTests package}. The last line is machine-readable:
 * {@code agent-rss-peers PEERS RSS_KIB BASELINE_RSS_KIB RATIO MEMBERS PEERS_ROUTED}.
 */
public final class AgentPeers {
    static final int HTTP_PORT = 6772;

    private AgentPeers() {}

    public static void main(String[] args) throws Exception {
        int peers = args.length > 0 ? Integer.parseInt(args[0]) : 99;
        int settle = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        boolean nmt = Boolean.getBoolean("weft.bench.nmt");
        if (peers < 1 || peers > 99) throw new IllegalArgumentException("peers: 1..99 (198.51.100.1-99)");
        Path weft = Path.of("bin", "weft").toAbsolutePath();
        if (!Files.isExecutable(weft)) throw new IllegalStateException("run from the repository root: no " + weft);
        long t0 = System.nanoTime();
        try (Lab lab = Lab.builder().nodes(3).start()) {
            LabNode base = lab.node(1);
            LabNode big = lab.node(2);
            LabNode sim = lab.node(3);
            // the simulated peers' underlay addresses, on the sim namespace's link; the agents route there on-link
            List<String> bigPeers = new ArrayList<>();
            for (int i = 1; i <= peers; i++) bigPeers.add("p" + i + "=198.51.100." + i);
            String basePeer = "b1=198.51.100.100";
            for (int i = 1; i <= 100; i++) {
                if (i > peers && i < 100) continue;
                sim.exec("ip", "addr", "add", "198.51.100." + i + "/24", "dev", "eth0")
                        .orThrow();
            }
            for (LabNode n : List.of(base, big)) {
                n.exec("ip", "route", "add", "198.51.100.0/24", "dev", "eth0").orThrow();
            }
            List<String> bigSeeds = new ArrayList<>(List.of(big.name()));
            bigPeers.forEach(p -> bigSeeds.add(p.substring(0, p.indexOf('='))));
            WeftCluster c = new WeftCluster(lab, WeftCluster.findPluginDir(), List.of())
                    .perNode(n -> n == base
                            ? List.of(
                                    "--cluster-name",
                                    "weft-base",
                                    "--ipam-seed",
                                    base.name() + ",b1",
                                    "--peers",
                                    "198.51.100.100")
                            : List.of(
                                    "--cluster-name",
                                    "weft-peers",
                                    "--ipam-seed",
                                    String.join(",", bigSeeds),
                                    "--peers",
                                    "198.51.100.1"));
            Map<String, String> env = nmt ? Map.of("WEFT_JAVA_OPTS", "-XX:NativeMemoryTracking=summary") : Map.of();
            Map<LabNode, LabProcess> agents = new HashMap<>();
            for (LabNode n : List.of(base, big)) {
                List<String> cmd = new ArrayList<>(List.of(weft.toString()));
                cmd.addAll(c.agentArgs(n));
                agents.put(n, n.start("agent", cmd, env));
            }
            String range = WeftCluster.CLUSTER_RANGE;
            String secret = c.secretFile().toString();
            sim.start(
                    "sim-base",
                    JvmCommand.of(
                            "dev.weft.e2e.bench.SimPeers",
                            secret,
                            "weft-base",
                            base.address(),
                            range,
                            base.name() + ",b1",
                            basePeer));
            LabProcess simBig = sim.start(
                    "sim-peers",
                    JvmCommand.of(
                            "dev.weft.e2e.bench.SimPeers",
                            secret,
                            "weft-peers",
                            big.address(),
                            range,
                            String.join(",", bigSeeds),
                            String.join(",", bigPeers)));
            simBig.awaitLine("sim peers started", Duration.ofMinutes(10)); // minutes on a loaded machine
            System.out.printf("%d simulated peers started (%.0f s; load %s)%n", peers + 1, secs(t0), AgentSoak.load());

            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            View vb;
            View vs;
            while (true) {
                vb = View.of(big, agents.get(big));
                vs = View.of(base, agents.get(base));
                // every peer known and routed; on a loaded machine a few simulated peers may be suspected at a time
                if (vb.known == peers
                        && vb.alive >= peers * 95 / 100
                        && vb.routedPeers() == peers
                        && vs.known == 1
                        && vs.routedPeers() == 1) break;
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not converged after 10 minutes: measured agent " + vb
                            + ", baseline " + vs + "\n" + agents.get(big).tail(20));
                }
                Thread.sleep(2000);
            }
            System.out.printf(
                    "converged after %.0f s (load %s): measured agent %s; baseline %s%n",
                    secs(t0), AgentSoak.load(), vb, vs);
            Thread.sleep(settle * 1000L);
            AgentMemory mb = null;
            AgentMemory ms = null;
            long maxB = 0;
            long maxS = 0;
            System.out.println("sample  load   measured (100 members)          baseline (2 members)");
            for (int i = 0; i < samples; i++) {
                if (i > 0) Thread.sleep(10_000);
                mb = AgentMemory.of(agents.get(big).pid(), big, big.address(), HTTP_PORT);
                ms = AgentMemory.of(agents.get(base).pid(), base, base.address(), HTTP_PORT);
                maxB = Math.max(maxB, mb.rssKib());
                maxS = Math.max(maxS, ms.rssKib());
                System.out.printf(
                        "%6d  %5s  %s %3d alive    %s%n",
                        i, AgentSoak.load(), mb.compact(), View.of(big, agents.get(big)).alive, ms.compact());
            }
            vb = View.of(big, agents.get(big));
            vs = View.of(base, agents.get(base));
            System.out.println("measured: " + vb);
            System.out.println("          " + mb.line() + "; highest RSS " + maxB / 1024 + " MiB");
            System.out.println("baseline: " + vs);
            System.out.println("          " + ms.line() + "; highest RSS " + maxS / 1024 + " MiB");
            System.out.printf(
                    "RSS with %d members / with 2: %.2f (%+.1f MiB); load %s%n",
                    peers + 1,
                    (double) mb.rssKib() / ms.rssKib(),
                    (mb.rssKib() - ms.rssKib()) / 1024.0,
                    AgentSoak.load());
            if (nmt) {
                for (LabNode n : List.of(big, base)) {
                    ExecResult r = n.exec(
                            List.of("jcmd", Long.toString(agents.get(n).pid()), "VM.native_memory", "summary"),
                            Duration.ofSeconds(60));
                    System.out.println("---- NMT " + (n == big ? "measured" : "baseline") + "\n" + r.stdout());
                }
            }
            System.out.printf(
                    "agent-rss-peers %d %d %d %.2f %d %d%n",
                    peers + 1,
                    mb.rssKib(),
                    ms.rssKib(),
                    (double) mb.rssKib() / ms.rssKib(),
                    vb.known + 1,
                    vb.routedPeers());
        }
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * What an agent holds, counted from outside: alive gossip members (its /metrics, itself excluded), routes on
     * the VXLAN device by next hop (one next hop per peer: its gateway), FDB and neighbour entries on the device.
     */
    record View(int known, int alive, Map<String, Integer> routesByVia, int routes, int fdb, int neighbours) {
        static View of(LabNode n, LabProcess agent) {
            if (!agent.isAlive())
                throw new IllegalStateException("agent on " + n.name() + " exited:\n" + agent.tail(30));
            Map<String, Double> m = AgentMemory.metrics(n, n.address(), HTTP_PORT);
            int alive =
                    m.getOrDefault("weft_gossip_members{state=\"alive\"}", -1.0).intValue();
            int known = alive
                    + m.getOrDefault("weft_gossip_members{state=\"suspect\"}", 0.0)
                            .intValue()
                    + m.getOrDefault("weft_gossip_members{state=\"dead\"}", 0.0).intValue();
            Map<String, Integer> byVia = new TreeMap<>();
            int routes = 0;
            for (String line : lines(n.exec("ip", "-4", "route", "show", "dev", "weft.vxlan"))) {
                routes++;
                String[] w = line.split(" ");
                for (int i = 0; i + 1 < w.length; i++) {
                    if (w[i].equals("via")) byVia.merge(w[i + 1], 1, Integer::sum);
                }
            }
            int fdb = lines(n.exec("bridge", "fdb", "show", "dev", "weft.vxlan")).stream()
                    .filter(l -> l.contains(" dst "))
                    .toList()
                    .size();
            int neigh = lines(n.exec("ip", "-4", "neigh", "show", "dev", "weft.vxlan"))
                    .size();
            return new View(known, alive, byVia, routes, fdb, neigh);
        }

        int routedPeers() {
            return routesByVia.size();
        }

        @Override
        public String toString() {
            return String.format(
                    "%d members besides itself (%d alive), %d routes on weft.vxlan to %d peers, %d FDB entries, %d neighbours",
                    known, alive, routes, routedPeers(), fdb, neighbours);
        }

        private static List<String> lines(ExecResult r) {
            if (!r.ok()) return List.of();
            return r.stdout().lines().filter(l -> !l.isBlank()).toList();
        }
    }
}
