package dev.weft.agent.cni;

import dev.weft.datapath.netlink.RtNetlink;
import dev.weft.datapath.netlink.Sysctl;
import dev.weft.datapath.pod.PodPlumber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * CNI plugin benchmark (not a test): ADD and DEL latency (p50/p99) of the Weft plugin, with the CNI server
 * and real pod plumbing in this JVM, against the reference {@code bridge} + {@code host-local} plugins,
 * measured in the same run on the same pods (interleaved), plus the peak RSS of one invocation and the
 * plugin's start-up with and without its AOT cache.
 *
 * <p>Must run inside a throw-away network namespace that stands for the node (its links, routes and the
 * reference bridge are created there): use {@code agent/src/test/sh/cni-bench}, which sets that up.
 * Arguments: {@code [pods (default 100)]}. With {@code WEFT_CNI_BENCH_BASELINE} set to another build's
 * {@code cni-bin} directory, that plugin runs too, interleaved on the same pods (as a second interface),
 * so that a change to the plugin is compared with the build before it in the same run.
 */
public final class CniBenchmark {

    private CniBenchmark() {}

    public static void main(String[] args) throws Exception {
        int pods = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        try (RtNetlink probe = RtNetlink.open()) {
            if (probe.links().stream().anyMatch(l -> !l.name().equals("lo"))) {
                System.err.println(
                        "CniBenchmark creates links and routes in the current network namespace, which must be "
                                + "an empty throw-away one (only lo); this one has other links. Run agent/src/test/sh/cni-bench.");
                System.exit(2);
            }
        }
        Path bin = PluginProcess.cniBinDir();
        Path weft = bin.resolve("weft");
        String baselineDir = System.getenv("WEFT_CNI_BENCH_BASELINE");
        Path baseline = baselineDir == null || baselineDir.isEmpty() ? null : Path.of(baselineDir, "weft");
        String prefix = "wftcnibench" + HexFormat.of().formatHex(randomBytes(3));
        Path dir = Files.createTempDirectory("weft-cni-bench");
        Path socket = dir.resolve("cni.sock");
        List<String> namespaces = new ArrayList<>();
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        Sysctl.write("net/ipv4/ip_forward", "1");
        try (RtNetlink host = RtNetlink.open()) {
            LocalIpamNode ipam = new LocalIpamNode(dir.resolve("ipam"), "198.18.0.0/16");
            PodPlumber plumber = new PodPlumber(
                    host, Sysctl::write, Thread.ofPlatform().daemon().factory());
            // the pod's host route comes from the desired state, as in the agent (included in the ADD time)
            PodNetwork network = new RoutedPodNetwork(new DatapathPodNetwork(plumber), host, "192.0.2.1");
            CniHandler handler =
                    new CniHandler(ipam, network, CniReadiness.alwaysReady(), () -> 1450, System::nanoTime);
            try (CniServer server = new CniServer(socket, executor, handler)) {
                server.start();
                for (int i = 0; i < pods; i++) {
                    String ns = prefix + "-p" + i;
                    run("ip", "netns", "add", ns);
                    namespaces.add(ns);
                }
                String weftConf = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\""
                        + socket + "\"}";
                String bridgeConf = "{\"cniVersion\":\"1.0.0\",\"name\":\"benchbr\",\"type\":\"bridge\","
                        + "\"bridge\":\"wftbr0\",\"isGateway\":true,\"ipam\":{\"type\":\"host-local\","
                        + "\"subnet\":\"198.19.0.0/16\",\"dataDir\":\"" + dir.resolve("host-local") + "\"}}";
                Path bridge = Path.of("/usr/lib/cni/bridge");

                // warm-up: one of each (page cache, first bridge creation)
                invoke(weft, "ADD", "warm", "/run/netns/" + namespaces.get(0), "eth9", weftConf);
                invoke(weft, "DEL", "warm", "/run/netns/" + namespaces.get(0), "eth9", weftConf);
                invoke(bridge, "ADD", "warm", "/run/netns/" + namespaces.get(0), "net9", bridgeConf);
                invoke(bridge, "DEL", "warm", "/run/netns/" + namespaces.get(0), "net9", bridgeConf);

                long[] weftAdd = new long[pods];
                long[] weftDel = new long[pods];
                long[] brAdd = new long[pods];
                long[] brDel = new long[pods];
                long[] oldAdd = new long[pods];
                long[] oldDel = new long[pods];
                if (baseline != null) {
                    invoke(baseline, "ADD", "warmold", "/run/netns/" + namespaces.get(0), "eth8", weftConf);
                    invoke(baseline, "DEL", "warmold", "/run/netns/" + namespaces.get(0), "eth8", weftConf);
                }
                for (int i = 0; i < pods; i++) {
                    String nsPath = "/run/netns/" + namespaces.get(i);
                    boolean weftFirst = (i & 1) == 0;
                    if (weftFirst) weftAdd[i] = invoke(weft, "ADD", "bench" + i, nsPath, "eth0", weftConf);
                    brAdd[i] = invoke(bridge, "ADD", "bench" + i, nsPath, "net1", bridgeConf);
                    if (baseline != null) oldAdd[i] = invoke(baseline, "ADD", "old" + i, nsPath, "eth2", weftConf);
                    if (!weftFirst) weftAdd[i] = invoke(weft, "ADD", "bench" + i, nsPath, "eth0", weftConf);
                }
                for (int i = 0; i < pods; i++) {
                    String nsPath = "/run/netns/" + namespaces.get(i);
                    boolean weftFirst = (i & 1) == 0;
                    if (weftFirst) weftDel[i] = invoke(weft, "DEL", "bench" + i, nsPath, "eth0", weftConf);
                    brDel[i] = invoke(bridge, "DEL", "bench" + i, nsPath, "net1", bridgeConf);
                    if (baseline != null) oldDel[i] = invoke(baseline, "DEL", "old" + i, nsPath, "eth2", weftConf);
                    if (!weftFirst) weftDel[i] = invoke(weft, "DEL", "bench" + i, nsPath, "eth0", weftConf);
                }
                if (ipam.allocated() != 0)
                    throw new IllegalStateException("addresses left after DEL: " + ipam.allocated());

                System.out.printf(
                        "CNI benchmark: %d pods, weft (plugin + in-JVM agent server, IpamNode with fsync-ed file store) vs "
                                + "reference bridge+host-local%n",
                        pods);
                System.out.printf(
                        "%-8s %10s %10s %10s | %10s %10s %10s | %8s %8s%n",
                        "op", "weft p50", "weft p99", "weft mean", "ref p50", "ref p99", "ref mean", "p50 x", "p99 x");
                row("ADD", weftAdd, brAdd);
                row("DEL", weftDel, brDel);
                if (baseline != null) {
                    row("ADD-base", oldAdd, brAdd);
                    row("DEL-base", oldDel, brDel);
                    System.out.printf(
                            "(ADD-base/DEL-base: the plugin in %s, same agent, same pods, same run; this build vs it:"
                                    + " ADD p50 %.2f, DEL p50 %.2f)%n",
                            baseline.getParent(),
                            (double) p(weftAdd, 50) / p(oldAdd, 50),
                            (double) p(weftDel, 50) / p(oldDel, 50));
                }
                CniStats.Snapshot st = handler.stats().snapshot();
                System.out.printf(
                        "weft agent-side share (mean): ADD %.1f ms, DEL %.1f ms (rest: plugin process start-up "
                                + "and the round trip)%n",
                        ms(st.addNanosTotal() / st.adds()), ms(st.delNanosTotal() / st.dels()));
                printBreakdown(ms(st.addNanosTotal() / st.adds()), ms(st.delNanosTotal() / st.dels()));

                // peak RSS of one invocation (GNU time, max resident set in KiB)
                String nsPath = "/run/netns/" + namespaces.get(0);
                long weftRss = rss(weft, "ADD", "rss", nsPath, "eth0", weftConf);
                invoke(weft, "DEL", "rss", nsPath, "eth0", weftConf);
                long brRss = rss(bridge, "ADD", "rss", nsPath, "net1", bridgeConf);
                invoke(bridge, "DEL", "rss", nsPath, "net1", bridgeConf);
                System.out.printf(
                        "peak RSS of one ADD: weft %d KiB, bridge(+host-local) %d KiB, ratio %.2f%n",
                        weftRss, brRss, (double) weftRss / brRss);
                if (baseline != null) {
                    long oldRss = rss(baseline, "ADD", "oldrss", nsPath, "eth2", weftConf);
                    invoke(baseline, "DEL", "oldrss", nsPath, "eth2", weftConf);
                    System.out.printf("peak RSS of one ADD, baseline plugin: %d KiB%n", oldRss);
                }

                // start-up: VERSION needs no agent; same flags with and without the AOT cache, and a naive java -jar
                Path jdkJava = Path.of(System.getProperty("java.home"), "bin", "java");
                Path jreJava = bin.resolve("weft-jre/bin/java");
                Path jar = bin.resolve("weft-cni.jar");
                // the launcher's flags (cni-shim/src/main/sh/weft-cni)
                List<String> lean = List.of(
                        jreJava.toString(),
                        "-Xint",
                        "-Xms8m",
                        "-Xmx32m",
                        "-Xss512k",
                        "-XX:+UseSerialGC",
                        "-XX:StringTableSize=1024",
                        "-XX:-UsePerfData",
                        "-Djdk.reflect.useNativeAccessorOnly=true",
                        "-Xlog:disable",
                        "-Xlog:all=error:stderr");
                List<String> withAot = new ArrayList<>(lean);
                withAot.addAll(List.of(
                        "-XX:AOTCache=" + bin.resolve("weft-cni.aot"), "-cp", jar.toString(), "dev.weft.cni.ShimMain"));
                List<String> noAot = new ArrayList<>(lean);
                noAot.addAll(List.of("-cp", jar.toString(), "dev.weft.cni.ShimMain"));
                List<String> naive = List.of(jdkJava.toString(), "-jar", jar.toString());
                int n = Math.max(20, pods / 2);
                long[] sA = startup(withAot, n);
                long[] sB = startup(noAot, n);
                long[] sC = startup(naive, n);
                long[] sBr = startup(List.of(bridge.toString()), n);
                System.out.printf(
                        "start-up (VERSION, p50 over %d runs): weft-jre+AOT+lean flags %.1f ms, same without AOT %.1f ms, "
                                + "plain JDK java -jar %.1f ms, reference bridge %.1f ms%n",
                        n, ms(p(sA, 50)), ms(p(sB, 50)), ms(p(sC, 50)), ms(p(sBr, 50)));
            }
        } finally {
            executor.shutdownNow();
            for (String ns : namespaces) exec("ip", "netns", "del", ns);
            exec("ip", "link", "del", "wftbr0");
            deleteTree(dir);
        }
    }

    static void row(String op, long[] weft, long[] ref) {
        System.out.printf(
                "%-8s %8.1fms %8.1fms %8.1fms | %8.1fms %8.1fms %8.1fms | %8.2f %8.2f%n",
                op,
                ms(p(weft, 50)),
                ms(p(weft, 99)),
                ms(mean(weft)),
                ms(p(ref, 50)),
                ms(p(ref, 99)),
                ms(mean(ref)),
                (double) p(weft, 50) / p(ref, 50),
                (double) p(weft, 99) / p(ref, 99));
    }

    /** Per weft invocation: its total time and the plugin's own trace marks (µs since spawn), by command. */
    static final Map<String, List<long[]>> TRACES = new java.util.TreeMap<>();

    static final String[] MARKS = {"main", "parsed", "connected", "answered", "done"};

    static long invoke(Path plugin, String cmd, String id, String netns, String ifName, String conf) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(env(cmd, id, netns, ifName));
        boolean weft = plugin.getFileName().toString().equals("weft") && !id.startsWith("old");
        java.time.Instant now = java.time.Instant.now();
        if (weft) env.put("WEFT_CNI_TRACE_T0", Long.toString(now.getEpochSecond() * 1_000_000_000L + now.getNano()));
        long t0 = System.nanoTime();
        Result r = start(List.of(plugin.toString()), env, conf);
        long t = System.nanoTime() - t0;
        if (weft && !id.startsWith("warm")) trace(cmd, t, r.err);
        if (r.exit != 0) {
            throw new IllegalStateException(plugin.getFileName() + " " + cmd + " " + id + " failed: " + r.out + r.err);
        }
        return t;
    }

    static void trace(String cmd, long total, String err) {
        for (String line : err.split("\n")) {
            if (!line.startsWith("weft-cni-trace ")) continue;
            long[] v = new long[MARKS.length + 1];
            for (String kv : line.substring(15).trim().split(" ")) {
                int eq = kv.indexOf('=');
                int i = List.of(MARKS).indexOf(kv.substring(0, eq));
                if (i >= 0) v[i] = Long.parseLong(kv.substring(eq + 1));
            }
            v[MARKS.length] = total / 1000;
            TRACES.computeIfAbsent(cmd, k -> new ArrayList<>()).add(v);
        }
    }

    /** p50 of each step of the plugin's own trace: where an invocation's time goes. */
    static void printBreakdown(double addAgentMs, double delAgentMs) {
        System.out.println(
                "where the plugin's time goes (p50 of each step, ms; agent = mean time in the CNI handler):");
        System.out.printf(
                "%-4s %8s %8s %8s %10s %8s %8s | %8s%n",
                "op", "to main", "parse", "connect", "round trip", "print", "exit", "total");
        for (Map.Entry<String, List<long[]>> e : TRACES.entrySet()) {
            List<long[]> v = e.getValue();
            double[] step = new double[MARKS.length + 1];
            for (int i = 0; i <= MARKS.length; i++) {
                final int k = i;
                long[] d = v.stream()
                        .mapToLong(a -> k == 0 ? a[0] : a[k] - a[k - 1])
                        .toArray();
                step[i] = p(d, 50) / 1000.0;
            }
            double agent = e.getKey().equals("ADD") ? addAgentMs : delAgentMs;
            System.out.printf(
                    "%-4s %8.1f %8.1f %8.1f %10.1f %8.1f %8.1f | %8.1f  (round trip includes agent %.1f)%n",
                    e.getKey(),
                    step[0],
                    step[1],
                    step[2],
                    step[3],
                    step[4],
                    step[5],
                    p(v.stream().mapToLong(a -> a[MARKS.length]).toArray(), 50) / 1000.0,
                    agent);
        }
        System.out.println("(to main: fork/exec, the sh launcher and JVM start-up with class loading up to main;"
                + " connect: socket and selector set-up and connect; exit: halt and the process reaped)");
    }

    static long rss(Path plugin, String cmd, String id, String netns, String ifName, String conf) throws Exception {
        Result r = start(
                List.of("/usr/bin/time", "-f", "WEFTRSS %M", plugin.toString()), env(cmd, id, netns, ifName), conf);
        if (r.exit != 0) throw new IllegalStateException(plugin + " failed: " + r.out + r.err);
        for (String line : r.err.split("\n")) {
            if (line.startsWith("WEFTRSS "))
                return Long.parseLong(line.substring(8).trim());
        }
        throw new IllegalStateException("no RSS from /usr/bin/time: " + r.err);
    }

    static long[] startup(List<String> cmd, int n) throws Exception {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Result r = start(cmd, Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
            t[i] = System.nanoTime() - t0;
            if (r.exit != 0 || !r.out.contains("supportedVersions")) {
                throw new IllegalStateException(cmd + " VERSION failed: " + r.out + r.err);
            }
        }
        return t;
    }

    record Result(int exit, String out, String err) {}

    static Result start(List<String> cmd, Map<String, String> env, String stdin)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the plugin exited without reading stdin (bridge does for VERSION): nothing to feed
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " hung");
        }
        return new Result(p.exitValue(), out, err);
    }

    static Map<String, String> env(String cmd, String id, String netns, String ifName) {
        return Map.of(
                "CNI_COMMAND",
                cmd,
                "CNI_CONTAINERID",
                id,
                "CNI_NETNS",
                netns,
                "CNI_IFNAME",
                ifName,
                "CNI_PATH",
                "/usr/lib/cni");
    }

    static long p(long[] v, int pct) {
        long[] s = v.clone();
        Arrays.sort(s);
        int idx = (int) Math.ceil(pct / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, idx))];
    }

    static long mean(long[] v) {
        return (long) Arrays.stream(v).average().orElse(0);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    static void run(String... cmd) throws Exception {
        Result r = start(List.of(cmd), Map.of(), "");
        if (r.exit != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + r.out + r.err);
    }

    static void exec(String... cmd) {
        try {
            start(List.of(cmd), Map.of(), "");
        } catch (Exception e) {
            // best-effort cleanup
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
