package dev.weft.e2e.bench.dual;

import dev.weft.e2e.cluster.WeftCluster;
import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IPv6 vs IPv4 pod-to-pod throughput over kernel VXLAN (or the encrypted sleeve), measured in the same run (not a
 * test). A 2-node lab with real agents ({@code --datapath vxlan}, {@code --cluster-range
 * 198.18.0.0/16,2001:db8:18::/112}; with {@code sleeve} also {@code --encrypt-pod-traffic}, so every pod packet between
 * the nodes crosses the userspace sleeve), one dual-stack pod per node attached by the real plugin, iperf3 TCP from pod
 * 1 to pod 2 alternately over IPv4 and IPv6 ({@code rounds} times each, {@code seconds} each); prints every run, the
 * medians and the ratio IPv6/IPv4.
 *
 * <pre>
 *   mvn -B -q -pl e2e -am package -DskipTests
 *   sudo java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp e2e/target/weft-lab.jar dev.weft.e2e.bench.dual.DualStackBench [seconds=5] [rounds=3] [vxlan|sleeve]
 * </pre>
 */
public final class DualStackBench {
    private static final Pattern RECEIVER = Pattern.compile("([0-9.]+) ([GM])bits/sec\\s+receiver");

    private DualStackBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String path = args.length > 2 ? args[2] : "vxlan";
        if (!path.equals("vxlan") && !path.equals("sleeve")) {
            throw new IllegalArgumentException("third argument: vxlan or sleeve, got '" + path + "'");
        }
        List<String> agentArgs = path.equals("sleeve")
                ? List.of("--datapath", "vxlan", "--encrypt-pod-traffic")
                : List.of("--datapath", "vxlan");
        try (Lab lab = Lab.builder().nodes(2).start()) {
            WeftCluster c = new WeftCluster(lab, WeftCluster.findPluginDir(), agentArgs)
                    .clusterRange(WeftCluster.DUAL_STACK_RANGE)
                    .seeds(2);
            c.startAgents();
            c.awaitAllReady(Duration.ofSeconds(120));
            WeftCluster.Pod a = c.addPod(lab.node(1), "a");
            WeftCluster.Pod b = c.addPod(lab.node(2), "b");
            LabProcess server = b.pod().start("iperf3", List.of("iperf3", "-s"));
            try {
                Thread.sleep(500); // iperf3 -s binds at once; a failed first client run is retried below
                List<Double> v4 = new ArrayList<>();
                List<Double> v6 = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    v4.add(iperf(a, b.address(), seconds));
                    v6.add(iperf(a, b.addressV6(), seconds));
                    System.out.printf(
                            "round %d: IPv4 %.2f Gbit/s, IPv6 %.2f Gbit/s%n", i + 1, v4.getLast(), v6.getLast());
                }
                double m4 = median(v4);
                double m6 = median(v6);
                System.out.printf(
                        "pod-to-pod TCP over %s (IPv4 underlay, %d s x %d rounds): IPv4 median %.2f Gbit/s, "
                                + "IPv6 median %.2f Gbit/s, ratio IPv6/IPv4 = %.3f%n",
                        path.equals("sleeve") ? "the encrypted sleeve" : "kernel VXLAN",
                        seconds,
                        rounds,
                        m4,
                        m6,
                        m6 / m4);
            } finally {
                server.stop();
            }
        }
    }

    static double iperf(WeftCluster.Pod from, String to, int seconds) {
        for (int attempt = 0; ; attempt++) {
            ExecResult r = from.pod()
                    .exec(
                            List.of("iperf3", "-c", to, "-t", String.valueOf(seconds), "-f", "g"),
                            Duration.ofSeconds(seconds + 30));
            Matcher m = RECEIVER.matcher(r.stdout());
            if (r.ok() && m.find()) {
                double v = Double.parseDouble(m.group(1));
                return m.group(2).equals("M") ? v / 1000 : v;
            }
            if (attempt >= 3)
                throw new IllegalStateException("iperf3 to " + to + " failed: " + r.stdout() + r.stderr());
        }
    }

    static double median(List<Double> l) {
        List<Double> s = new ArrayList<>(l);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
