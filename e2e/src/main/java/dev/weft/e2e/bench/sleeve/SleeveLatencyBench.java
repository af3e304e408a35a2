package dev.weft.e2e.bench.sleeve;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sleeve latency benchmark (not a test): pod-to-pod ping over the same two-namespace lab as
 * {@link SleeveBench}, at idle and beside a bulk iperf3 flow, for kernel VXLAN (the baseline, measured in the
 * same run) and the plain and encrypted sleeve. Prints RTT p50/avg/p99 per scenario, the extra RTT over kernel
 * VXLAN (target: at most 100 µs) and the bulk flow's throughput next to it.
 *
 * <pre>
 *   sudo java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp e2e/target/weft-lab.jar dev.weft.e2e.bench.sleeve.SleeveLatencyBench [pings=300] [scenario...]
 * </pre>
 *
 * Scenarios: kernel-vxlan, sleeve-plain-1q, sleeve-encrypted-1q, sleeve-plain-2q, sleeve-encrypted-2q
 * (default: kernel-vxlan, sleeve-plain-1q, sleeve-encrypted-1q). Pings are 10 ms apart.
 */
public final class SleeveLatencyBench {
    static final double TARGET_EXTRA_US = 100;
    static final int WARMUP = Integer.getInteger("weft.bench.warmup", 2000);

    private SleeveLatencyBench() {}

    /** One scenario's result: idle and loaded RTT samples (µs) and the bulk flow's Gbit/s. */
    record Result(double[] idle, double[] loaded, double gbps) {}

    public static void main(String[] args) throws Exception {
        int pings = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        List<String> scenarios = new ArrayList<>();
        for (int i = 1; i < args.length; i++) scenarios.add(args[i]);
        if (scenarios.isEmpty()) scenarios = List.of("kernel-vxlan", "sleeve-plain-1q", "sleeve-encrypted-1q");
        Map<String, Result> results = new LinkedHashMap<>();
        for (String s : scenarios) {
            Result r = measure(s, pings);
            results.put(s, r);
            System.out.printf(
                    "%-20s idle p50 %6.0f µs avg %6.0f p99 %6.0f | loaded p50 %6.0f avg %6.0f p99 %6.0f | bulk %5.2f"
                            + " Gbit/s  (load %s)%n",
                    s,
                    pct(r.idle, 50),
                    avg(r.idle),
                    pct(r.idle, 99),
                    pct(r.loaded, 50),
                    avg(r.loaded),
                    pct(r.loaded, 99),
                    r.gbps,
                    load());
        }
        print(results);
    }

    static void print(Map<String, Result> results) {
        Result base = results.get("kernel-vxlan");
        System.out.println();
        System.out.println(
                "scenario             idle p50  extra(µs)  loaded p50  extra(µs)  bulk Gbit/s  /kernel  target");
        for (Map.Entry<String, Result> e : results.entrySet()) {
            Result r = e.getValue();
            double ei = base == null ? Double.NaN : pct(r.idle, 50) - pct(base.idle, 50);
            double el = base == null ? Double.NaN : pct(r.loaded, 50) - pct(base.loaded, 50);
            boolean ok = e.getValue() == base || (ei <= TARGET_EXTRA_US && el <= TARGET_EXTRA_US);
            System.out.printf(
                    "%-20s %8.0f  %9.0f  %10.0f  %9.0f  %11.2f  %7.2f  %s%n",
                    e.getKey(),
                    pct(r.idle, 50),
                    ei,
                    pct(r.loaded, 50),
                    el,
                    r.gbps,
                    base == null ? Double.NaN : r.gbps / base.gbps,
                    e.getValue() == base ? "baseline" : ok ? "met (≤100 µs)" : "MISSED (>100 µs)");
        }
        System.out.println("(extra = scenario p50 RTT minus kernel VXLAN p50 RTT in this run; load " + load() + ")");
    }

    static Result measure(String scenario, int pings) throws IOException, InterruptedException {
        try (SleeveBench.Lab lab = new SleeveBench.Lab()) {
            lab.setUp(scenario);
            awaitPath(lab); // ARP and session set-up; the sleeve's threads may start slowly on a busy machine
            ping(lab, WARMUP, "0.002"); // JIT warm-up: the agent's datapath runs compiled code
            double[] idle = ping(lab, pings, "0.01");
            int seconds = Math.max(3, pings / 100 + 2);
            Process server = new ProcessBuilder(
                            "ip", "netns", "exec", lab.ns[2], "iperf3", "-s", "-1", "-B", SleeveBench.Lab.pod(2))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                Thread.sleep(300);
                Process client = new ProcessBuilder(
                                "ip",
                                "netns",
                                "exec",
                                lab.ns[1],
                                "iperf3",
                                "-J",
                                "-c",
                                SleeveBench.Lab.pod(2),
                                "-B",
                                SleeveBench.Lab.pod(1),
                                "-t",
                                String.valueOf(seconds),
                                "--connect-timeout",
                                "2000")
                        .redirectErrorStream(true)
                        .start();
                Thread.sleep(700); // let the flow ramp up
                double[] loaded = ping(lab, pings, "0.01");
                String out =
                        new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!client.waitFor(seconds + 30L, TimeUnit.SECONDS)) client.destroyForcibly();
                return new Result(idle, loaded, SleeveBench.Lab.received(out) / 1e9);
            } finally {
                server.destroyForcibly();
            }
        }
    }

    /** Pings once a second until a reply comes back (at most 20 tries). */
    static void awaitPath(SleeveBench.Lab lab) {
        for (int i = 0; ; i++) {
            try {
                ping(lab, 1, "1");
                return;
            } catch (IllegalStateException e) {
                if (i >= 20) throw e;
            }
        }
    }

    private static final Pattern TIME = Pattern.compile("time=([0-9.]+) ms");

    /** {@code n} pings 10 ms apart from pod 1 to pod 2; the RTTs in µs. */
    static double[] ping(SleeveBench.Lab lab, int n, String interval) {
        String out = SleeveBench.run(
                "ip",
                "netns",
                "exec",
                lab.ns[1],
                "ping",
                "-n",
                "-c",
                String.valueOf(n),
                "-i",
                interval,
                "-W",
                "1",
                "-I",
                SleeveBench.Lab.pod(1),
                SleeveBench.Lab.pod(2));
        List<Double> t = new ArrayList<>();
        Matcher m = TIME.matcher(out);
        while (m.find()) t.add(Double.parseDouble(m.group(1)) * 1000);
        if (t.size() < n / 2) throw new IllegalStateException("ping lost more than half: " + out);
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double pct(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    static double avg(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }
}
