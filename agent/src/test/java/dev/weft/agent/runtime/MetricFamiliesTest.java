package dev.weft.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.cni.CniHandler;
import dev.weft.agent.cni.CniStatsFixture;
import dev.weft.agent.metrics.HttpEndpoints;
import dev.weft.agent.metrics.MetricsRegistry;
import dev.weft.agent.metrics.NettyFigures;
import dev.weft.datapath.sleeve.ProbeAuth;
import dev.weft.datapath.sleeve.SleeveCounters;
import dev.weft.gossip.wire.DropReason;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Every metric family the agent exports (name, type, help, label names, and the series a fixed input produces), as
 * the agent serves it on {@code /metrics}, compared with the list in {@code metric-families.txt}.
 */
class MetricFamiliesTest {

    /** What the controller's report holds, with every part the metrics read filled in. */
    static Map<String, Object> report() {
        Map<String, Object> dropped = new TreeMap<>();
        for (DropReason d : DropReason.values()) dropped.put(d.counterName(), 3L);
        return Map.of(
                "ready",
                true,
                "peers",
                List.of(Map.of("state", "alive"), Map.of("state", "suspect"), Map.of("state", "alive")),
                "gossip",
                Map.of("bytesSent", 1000L, "bytesReceived", 2000L, "dropped", dropped),
                "ipam",
                Map.of(
                        "owned", 256L,
                        "free", 250L,
                        "allocated", 6L,
                        "ownedByUnreachable", 0L,
                        "cluster",
                                Map.of(
                                        "verdict", "ok",
                                        "family", "ipv4",
                                        "total", 65536L,
                                        "used", 6L,
                                        "free", 65530L)),
                "datapath",
                Map.of(
                        "entries",
                        new TreeMap<>(Map.of("fdb", 2L, "neighbour", 2L, "route", 3L)),
                        "repairs",
                        1L,
                        "errors",
                        0L,
                        "reconciles",
                        42L),
                "controller",
                Map.of(
                        "stateWrites",
                        5L,
                        "stateWriteFailures",
                        0L,
                        "refusedRingUpdates",
                        1L,
                        "refusedMessages",
                        new TreeMap<>(Map.of("not_owner", 1L)),
                        "ringEntriesUnproven",
                        2L,
                        "ringEntriesCorroborated",
                        1L));
    }

    /**
     * The agent's collectors (as {@code OperatorEndpoints} registers them) fed with {@link #report()}, CNI requests and
     * a running sleeve, plus one collector that fails, served over HTTP.
     */
    static String scrape(MetricsRegistry metrics) throws IOException {
        CniHandler cni = new CniHandler(null, null, null, null, System::nanoTime);
        CniStatsFixture.served(cni, "ADD", true, 0.004);
        CniStatsFixture.served(cni, "ADD", false, 1.5);
        CniStatsFixture.served(cni, "DEL", true, 0.02);
        AgentMetrics.register(metrics, MetricFamiliesTest::report, cni);
        Map<ProbeAuth.Drop, Long> probeDrops = new EnumMap<>(ProbeAuth.Drop.class);
        for (ProbeAuth.Drop d : ProbeAuth.Drop.values()) probeDrops.put(d, 1L);
        AgentMetrics.registerSleeve(metrics, () -> Optional.of(new SleeveCounters()), () -> Optional.of(probeDrops));
        metrics.register(sink -> {
            throw new IllegalStateException("a collector that fails (counted, not fatal)");
        });
        metrics.register(new NettyFigures());
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
                HttpEndpoints http = new HttpEndpoints(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        executor,
                        metrics,
                        List::of,
                        List::of)) {
            try (Socket s = new Socket()) {
                s.connect(http.address(), 2_000);
                s.setSoTimeout(10_000);
                s.getOutputStream()
                        .write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(r).startsWith("HTTP/1.1 200");
                return r.substring(r.indexOf("\r\n\r\n") + 4);
            }
        }
    }

    /**
     * One line per family ({@code family NAME TYPE HELP}) and per series ({@code series NAME{labels sorted by name}});
     * bucket bounds ({@code le}) are compared as numbers.
     */
    static List<String> families(String exposition) {
        Map<String, String> help = new LinkedHashMap<>();
        Map<String, String> type = new LinkedHashMap<>();
        TreeSet<String> series = new TreeSet<>();
        for (String l : exposition.lines().toList()) {
            if (l.startsWith("# HELP ")) {
                int sp = l.indexOf(' ', 7);
                help.put(l.substring(7, sp), l.substring(sp + 1));
            } else if (l.startsWith("# TYPE ")) {
                String[] p = l.substring(7).split(" ");
                type.put(p[0], p[1]);
            } else if (!l.isBlank() && !l.startsWith("#")) {
                series.add("series " + seriesKey(l));
            }
        }
        List<String> out = new ArrayList<>();
        type.forEach((name, t) -> out.add("family " + name + " " + t + " " + help.get(name)));
        out.addAll(series);
        return out;
    }

    /** {@code name{a="1",b="2"}} of a sample line, its labels sorted by name. */
    private static String seriesKey(String sample) {
        int brace = sample.indexOf('{');
        if (brace < 0) return sample.substring(0, sample.indexOf(' '));
        TreeMap<String, String> labels = new TreeMap<>();
        int i = brace + 1;
        while (sample.charAt(i) != '}') {
            int eq = sample.indexOf('=', i);
            String name = sample.substring(i, eq);
            StringBuilder v = new StringBuilder();
            int j = eq + 2; // past ="
            while (sample.charAt(j) != '"') {
                if (sample.charAt(j) == '\\') v.append(sample.charAt(j++));
                v.append(sample.charAt(j++));
            }
            String value = v.toString();
            if (name.equals("le") && !value.equals("+Inf")) value = Double.toString(Double.parseDouble(value));
            labels.put(name, value);
            i = j + 1;
            if (sample.charAt(i) == ',') i++;
        }
        StringBuilder key = new StringBuilder(sample.substring(0, brace)).append('{');
        labels.forEach((k, v) -> key.append(k).append("=\"").append(v).append("\","));
        key.setLength(key.length() - 1);
        return key.append('}').toString();
    }

    static List<String> expected() throws IOException {
        try (InputStream in = MetricFamiliesTest.class.getResourceAsStream("metric-families.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .toList();
        }
    }

    @Test
    void everyFamilyTheAgentServedIsStillServedWithItsTypeHelpAndLabels() throws IOException {
        MetricsRegistry metrics = new MetricsRegistry();
        metrics.registerJvmAndProcess(); // as the agent does
        List<String> served = families(scrape(metrics));
        assertThat(served).containsAll(expected());
        assertThat(served)
                .as("the JVM and process figures beside them")
                .contains(
                        "family jvm_memory_used_bytes gauge Used bytes of a given JVM memory area.",
                        "family jvm_threads_current gauge Current thread count of a JVM",
                        "family process_cpu_seconds_total counter Total user and system CPU time spent in seconds.",
                        "family process_open_fds gauge Number of open file descriptors.",
                        "family process_resident_memory_bytes gauge Resident memory size in bytes.",
                        "series jvm_memory_used_bytes{area=\"heap\"}",
                        "series jvm_memory_used_bytes{area=\"nonheap\"}");
    }
}
