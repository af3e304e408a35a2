package dev.weft.datapath;

import static dev.weft.datapath.testing.TestNetns.in;
import static org.awaitility.Awaitility.await;

import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.IpAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (runs only with {@code -Dweft.bench=true}): iperf3 pod-to-pod, 1 and 4 TCP
 * streams, through Weft-programmed VXLAN and host-gw, versus the same topology hand-built with
 * {@code ip}/{@code bridge} commands, in the same run. Prints each ratio (goal ≥ 0.95).
 *
 * <pre>
 * mvn -B -q -ntp -pl datapath -am verify -Dtest=DatapathBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dweft.bench=true
 * grep BENCH datapath/target/surefire-reports/dev.weft.datapath.DatapathBenchmark-output.txt
 * </pre>
 */
@Tag("kernel")
@Tag("bench")
@EnabledIfSystemProperty(named = "weft.bench", matches = "true")
class DatapathBenchmark {
    static final int SECONDS = 3;
    static final int ROUNDS = 2;

    /** One iperf3 run from {@code client}'s pod to {@code server}'s pod (a one-shot server is started first). */
    static double measure(TwoNodeVxlanKernelTest.Node client, TwoNodeVxlanKernelTest.Node server, int streams) {
        in(server.podNs(), "iperf3", "-s", "-D", "-1");
        await("iperf3 server listening in " + server.podNs())
                .atMost(Duration.ofSeconds(3))
                .pollInSameThread()
                .until(() ->
                        TestNetns.execIn(server.podNs(), "ss", "-ltn").out().contains(":5201"));
        return gbps(client.podNs(), server.podIp(), streams);
    }

    @TempDir
    Path state;

    static double gbps(String clientNs, IpAddress server, int streams) {
        String out = in(
                clientNs,
                "iperf3",
                "-c",
                server.toString(),
                "-t",
                String.valueOf(SECONDS),
                "-P",
                String.valueOf(streams),
                "-f",
                "g");
        // last "receiver" line: "[SUM] ... X Gbits/sec ... receiver" (or a single stream's line)
        Matcher m = Pattern.compile("([0-9.]+) Gbits/sec\\s+receiver").matcher(out);
        double last = -1;
        while (m.find()) last = Double.parseDouble(m.group(1));
        if (last < 0) throw new IllegalStateException("no receiver rate in iperf3 output:\n" + out);
        return last;
    }

    static void handBuiltVxlan(TwoNodeVxlanKernelTest.Node self, TwoNodeVxlanKernelTest.Node other) {
        String ns = self.ns();
        in(
                ns,
                "ip",
                "link",
                "add",
                "hv0",
                "type",
                "vxlan",
                "id",
                "99",
                "local",
                self.local().underlayAddress().toString(),
                "dev",
                "eth0",
                "dstport",
                "4789",
                "nolearning");
        in(ns, "ip", "link", "set", "hv0", "address", self.local().vtepMac().toString(), "mtu", "1450", "up");
        in(ns, "ip", "addr", "add", self.local().vtepAddress() + "/32", "dev", "hv0");
        in(
                ns,
                "ip",
                "neigh",
                "add",
                other.local().vtepAddress().toString(),
                "lladdr",
                other.local().vtepMac().toString(),
                "dev",
                "hv0",
                "nud",
                "permanent");
        in(
                ns,
                "bridge",
                "fdb",
                "append",
                other.local().vtepMac().toString(),
                "dev",
                "hv0",
                "dst",
                other.local().underlayAddress().toString());
        in(
                ns,
                "ip",
                "route",
                "add",
                other.range().toString(),
                "via",
                other.local().vtepAddress().toString(),
                "dev",
                "hv0",
                "onlink");
        in(ns, "ip", "route", "add", self.podIp() + "/32", "dev", self.hostVeth(), "scope", "link");
    }

    static void handBuiltHostGw(TwoNodeVxlanKernelTest.Node self, TwoNodeVxlanKernelTest.Node other) {
        in(self.ns(), "ip", "route", "del", other.range().toString());
        in(
                self.ns(),
                "ip",
                "route",
                "add",
                other.range().toString(),
                "via",
                other.local().underlayAddress().toString(),
                "dev",
                "eth0");
    }

    static Reconciler weft(TwoNodeVxlanKernelTest.Node self, TwoNodeVxlanKernelTest.Node other, DatapathConfig cfg) {
        Reconciler r = new Reconciler(self.nl().netlink(), cfg);
        r.setDesired(DesiredStateCalculator.compute(cfg, TwoNodeVxlanKernelTest.viewOf(self, other)));
        ReconcileResult res = r.reconcile();
        if (!res.errors().isEmpty()) throw new IllegalStateException("reconcile failed: " + res.errors());
        return r;
    }

    @Test
    void podToPodThroughputVersusHandBuilt() throws Exception {
        try (TestNetns t = new TestNetns()) {
            String ul = t.create("ul");
            in(ul, "ip", "link", "add", "br0", "type", "bridge");
            in(ul, "ip", "link", "set", "br0", "up");
            var w1 = TwoNodeVxlanKernelTest.node(t, ul, 1, state, 1450);
            var w2 = TwoNodeVxlanKernelTest.node(t, ul, 2, state, 1450);
            var h3 = TwoNodeVxlanKernelTest.node(t, ul, 3, state, 1450);
            var h4 = TwoNodeVxlanKernelTest.node(t, ul, 4, state, 1450);
            try {
                DatapathConfig vx = DatapathConfig.defaults();
                weft(w1, w2, vx);
                weft(w2, w1, vx);
                handBuiltVxlan(h3, h4);
                handBuiltVxlan(h4, h3);
                TwoNodeVxlanKernelTest.awaitPing(w1.podNs(), w2.podIp(), "Weft-programmed path before the benchmark");
                TwoNodeVxlanKernelTest.awaitPing(h3.podNs(), h4.podIp(), "hand-built path before the benchmark");
                StringBuilder report = new StringBuilder();
                for (String mode : List.of("vxlan", "host-gw")) {
                    if (mode.equals("host-gw")) {
                        DatapathConfig hg = vx.withDirectRouting(true);
                        weft(w1, w2, hg);
                        weft(w2, w1, hg);
                        handBuiltHostGw(h3, h4);
                        handBuiltHostGw(h4, h3);
                    }
                    for (int streams : new int[] {1, 4}) {
                        // alternate the order over rounds so drift in the shared machine's load hits both equally
                        double weftSum = 0;
                        double handSum = 0;
                        for (int round = 0; round < ROUNDS; round++) {
                            if (round % 2 == 0) {
                                weftSum += measure(w1, w2, streams);
                                handSum += measure(h3, h4, streams);
                            } else {
                                handSum += measure(h3, h4, streams);
                                weftSum += measure(w1, w2, streams);
                            }
                        }
                        double weft = weftSum / ROUNDS;
                        double hand = handSum / ROUNDS;
                        report.append(String.format(
                                "BENCH mode=%s streams=%d weft=%.2fGbps handBuilt=%.2fGbps ratio=%.3f%n",
                                mode, streams, weft, hand, weft / hand));
                    }
                }
                System.out.print(report);
            } finally {
                for (var n : List.of(w1, w2, h3, h4)) n.nl().close();
            }
        }
    }
}
