package dev.weft.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.cluster.WeftCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 6 on real sockets: a 2-node lab cluster (secret from the lab, pod traffic through the encrypted
 * sleeve) and a rogue process without the secret in a third namespace on the same underlay ({@link RogueUnderlay}):
 * garbage, oversized, keyless, wrongly keyed gossip over UDP and TCP, many connections, and forged sleeve frames at
 * both nodes while their pods ping each other. The pods keep pinging, the members, their addresses and the address
 * ranges stay as they were, the phantom never appears, every kind of drop shows in {@code /metrics} under its reason,
 * and the agent logs the flood in at most one summary line a minute.
 */
@Tag("kernel")
class HostileLabTest {
    private static final Pattern PING = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

    @Test
    void aRogueOnTheUnderlayIsCountedByReasonAndChangesNothing() throws Exception {
        try (Lab lab = Lab.builder().nodes(3).start()) {
            LabNode n1 = lab.node(1);
            LabNode n2 = lab.node(2);
            LabNode rogueHost = lab.node(3); // no agent: a stranger's machine on the underlay
            WeftCluster c = new WeftCluster(
                            lab, WeftCluster.findPluginDir(), List.of("--encrypt-pod-traffic", "--datapath", "vxlan"))
                    .seeds(2);
            c.startAgent(n1);
            c.startAgent(n2);
            Await.until("n1 and n2 ready", Duration.ofSeconds(120), () -> c.isReady(n1) && c.isReady(n2));
            WeftCluster.Pod a = c.addPod(n1, "a");
            WeftCluster.Pod b = c.addPod(n2, "b");
            Await.until(
                    "a pings b",
                    Duration.ofSeconds(30),
                    () -> a.pod().ping(b.address(), 1).received() == 1);
            String before1 = cluster(c, n1);
            String before2 = cluster(c, n2);
            String n2Id = ReportFormat.<Map<String, Object>>list(c.report(n1).orElseThrow(), "peers").stream()
                    .map(p -> String.valueOf(p.get("id")))
                    .findFirst()
                    .orElseThrow();

            // pods ping all through the attack (0.2 s apart, 30 s)
            LabProcess ping =
                    a.pod().start("ping", List.of("ping", "-n", "-c", "150", "-i", "0.2", "-W", "1", b.address()));
            LabProcess rogue = rogueHost.start(
                    "rogue",
                    JvmCommand.of(
                            List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                            RogueUnderlay.class.getName(),
                            List.of("weft", "6770", "6771", n2Id, n1.address(), n2.address())));
            assertThat(rogue.awaitExit(Duration.ofSeconds(120)))
                    .as("rogue: %s", rogue.tail(20))
                    .isZero();
            assertThat(rogue.log()).contains("rogue done");
            assertThat(ping.awaitExit(Duration.ofSeconds(60))).isZero();
            Matcher m = PING.matcher(ping.log());
            assertThat(m.find()).as("ping summary: %s", ping.tail(5)).isTrue();
            int sent = Integer.parseInt(m.group(1));
            int received = Integer.parseInt(m.group(2));
            System.out.printf("hostile lab: pings during the attack sent=%d received=%d%n", sent, received);
            assertThat(received).as("pods keep pinging during the attack").isGreaterThanOrEqualTo(sent * 95 / 100);

            // nothing moved: members, their addresses and states, address ranges; no phantom
            assertThat(cluster(c, n1)).isEqualTo(before1);
            assertThat(cluster(c, n2)).isEqualTo(before2);
            assertThat(c.report(n1).orElseThrow().toString()).doesNotContain("0000000000009999");
            assertThat(a.pod().ping(b.address(), 5).received()).isEqualTo(5);

            // every kind of drop is in /metrics under its reason (both nodes were attacked the same way)
            for (LabNode n : List.of(n1, n2)) {
                Map<String, Double> metrics = metrics(n);
                for (String reason : List.of(
                        "bad_magic",
                        "malformed",
                        "oversized",
                        "security_mismatch",
                        "unknown_key",
                        "stream_source_limit",
                        "stream_deadline")) {
                    assertThat(metrics.getOrDefault(
                                    "weft_gossip_dropped_packets_total{reason=\"" + reason + "\"}", 0.0))
                            .as("%s: gossip drops reason=%s", n, reason)
                            .isPositive();
                }
                assertThat(metrics.getOrDefault("weft_sleeve_dropped_packets_total{reason=\"rx_drop_malformed\"}", 0.0))
                        .as("%s: sleeve garbage", n)
                        .isPositive();
                assertThat(metrics)
                        .as("%s: kernel-path probe drops are exported by reason", n)
                        .containsKeys(
                                "weft_sleeve_probe_dropped_total{reason=\"unauthenticated\"}",
                                "weft_sleeve_probe_dropped_total{reason=\"auth_failed\"}",
                                "weft_sleeve_probe_dropped_total{reason=\"foreign_session\"}");
            }
            Map<String, Double> m1 = metrics(n1);
            assertThat(m1.getOrDefault("weft_sleeve_dropped_packets_total{reason=\"rx_drop_unknown_sender\"}", 0.0))
                    .isPositive();
            assertThat(m1.getOrDefault("weft_sleeve_dropped_packets_total{reason=\"rx_drop_unknown_key\"}", 0.0)
                            + m1.getOrDefault(
                                    "weft_sleeve_dropped_packets_total{reason=\"rx_drop_stale_session\"}", 0.0)
                            + m1.getOrDefault("weft_sleeve_dropped_packets_total{reason=\"rx_drop_auth_failed\"}", 0.0))
                    .as("frames claiming n2's id under a key nobody has")
                    .isPositive();

            // thousands of drops, a summary line a minute (the attack may straddle a minute boundary: at most two)
            Await.until(
                    "the drop summary is logged",
                    Duration.ofSeconds(10),
                    () -> c.agent(n1).log().contains("gossip dropped"));
            for (LabNode n : List.of(n1, n2)) {
                List<String> lines = c.agent(n).logLines();
                assertThat(lines.stream()
                                .filter(l -> l.contains("gossip dropped"))
                                .count())
                        .as("%s gossip drop lines", n)
                        .isBetween(1L, 2L);
                assertThat(lines.stream()
                                .filter(l -> l.contains("sleeve dropped"))
                                .count())
                        .as("%s sleeve drop lines", n)
                        .isLessThanOrEqualTo(2L);
            }
        }
    }

    /** What a hostile peer would want to move, as one comparable value: members and the ranges they own. */
    private static String cluster(WeftCluster c, LabNode n) {
        Map<String, Object> r = c.report(n).orElseThrow();
        List<String> out = new ArrayList<>();
        for (Map<String, Object> p : ReportFormat.<Map<String, Object>>list(r, "peers")) {
            out.add("peer " + p.get("id") + " " + p.get("state") + " " + p.get("address"));
        }
        for (Map<String, Object> o : ReportFormat.<Map<String, Object>>list(ReportFormat.map(r, "ipam"), "owners")) {
            out.add("owner " + o.get("peer") + " " + o.get("ranges") + " removed=" + o.get("removed"));
        }
        return String.join("\n", out);
    }

    /** The node's /metrics, fetched from inside its namespace: sample name with labels -> value. */
    private static Map<String, Double> metrics(LabNode n) {
        String body = n.exec(
                        "bash",
                        "-c",
                        "exec 3<>/dev/tcp/" + n.address()
                                + "/6772; printf 'GET /metrics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'" + " >&3; cat <&3")
                .orThrow()
                .stdout();
        assertThat(body).startsWith("HTTP/1.1 200");
        Map<String, Double> out = new TreeMap<>();
        for (String l : body.lines().toList()) {
            if (l.startsWith("weft_")) {
                int sp = l.lastIndexOf(' ');
                out.put(l.substring(0, sp), Double.parseDouble(l.substring(sp + 1)));
            }
        }
        return out;
    }
}
