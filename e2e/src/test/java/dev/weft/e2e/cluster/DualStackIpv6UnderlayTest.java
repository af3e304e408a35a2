package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Await;
import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.Fault;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Dual-stack pods over an underlay with only IPv6 addresses: three agents on a lab whose nodes have {@code
 * 2001:db8:c0::1x/64} on {@code eth0} and no IPv4 address at all (so gossip, the kernel VXLAN device, the kernel path
 * probes and the sleeve can only work over IPv6), {@code --datapath vxlan}, a cluster secret (so the sleeve is the
 * encrypted one), two pods per node with an IPv4 and an IPv6 address. First kernel VXLAN over IPv6 carries both
 * families; then UDP 4789 is blocked on every node's link (both families) and every peer moves to the encrypted sleeve,
 * whose UDP now runs over IPv6 too; a node pings remote pods from its own namespace, where it has a global IPv6 address
 * besides its IPv6 VTEP address (the encrypted sleeve accepts only sources inside the sender's ranges and VTEP
 * addresses); then the block is lifted and the peers return to kernel VXLAN. Both ping matrices must be all ok in
 * each phase.
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DualStackIpv6UnderlayTest {
    private static final Pattern SRC = Pattern.compile(" src (\\S+)");
    private DualStackLab dual;
    private Lab lab;
    private WeftCluster cluster;
    private List<WeftCluster.Pod> pods;

    @BeforeAll
    void up() {
        dual = DualStackLab.start(Lab.builder().nodes(3).ipv6Underlay().start(), "vxlan");
        lab = dual.lab;
        cluster = dual.cluster;
        pods = dual.pods;
        dual.addTwoPodsPerNode();
    }

    @AfterAll
    void down() {
        if (dual != null) dual.close();
    }

    /** The node's sleeve drop counter for {@code reason}, from its metrics (HTTP on its IPv6 underlay address). */
    private long sleeveDrops(LabNode n, String reason) {
        ExecResult r = n.exec("curl", "-s", "-g", "--max-time", "5", "http://[" + n.address() + "]:6772/metrics");
        Matcher m = Pattern.compile("weft_sleeve_dropped_packets_total\\{reason=\"" + reason + "\"} (\\d+)")
                .matcher(r.stdout());
        assertThat(m.find())
                .as("metric for " + reason + " on " + n.name() + ":\n" + r.stdout())
                .isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(1)
    void kernelVxlanOverTheIpv6UnderlayCarriesBothFamilies() {
        LabNode n1 = lab.node(1);
        assertThat(n1.exec("ip", "-4", "addr", "show", "dev", "eth0").stdout())
                .as("no IPv4 on the underlay")
                .doesNotContain("inet");
        assertThat(n1.exec("ip", "-d", "link", "show", "dev", "weft.vxlan").stdout())
                .contains("local " + n1.address());
        assertThat(n1.exec("bridge", "fdb", "show", "dev", "weft.vxlan").stdout())
                .contains("dst " + lab.node(2).address())
                .contains("dst " + lab.node(3).address());
        dual.awaitEveryPeer("vxlan", Duration.ofSeconds(30));
        assertThat(pods).extracting(WeftCluster.Pod::addressV6).allMatch(a -> a.startsWith("2001:db8:18:"));
        dual.bothMatricesAllOk("kernel VXLAN over the IPv6 underlay");
    }

    @Test
    @Order(2)
    void withUdp4789BlockedTheEncryptedSleeveCarriesBothFamiliesOverIpv6AndTheNodeReachesRemotePods() {
        List<Fault> blocks = new ArrayList<>();
        try {
            for (LabNode n : lab.nodes()) blocks.add(n.blockUdpPort(4789));
            dual.awaitEveryPeer("sleeve", Duration.ofSeconds(40));
            LabNode n1 = lab.node(1);
            assertThat(n1.exec("ip", "-6", "route", "show", "proto", "87", "dev", "weft.sleeve")
                            .stdout())
                    .contains("2001:db8:18:");
            assertThat(n1.exec("ip", "-4", "route", "show", "proto", "87", "dev", "weft.sleeve")
                            .stdout())
                    .contains("198.18.");
            // the sleeve's socket is IPv6 (no IPv4 socket on its port, 6771)
            assertThat(n1.exec("ss", "-H", "-6", "-u", "-l", "-n", "sport", "=", ":6771")
                            .stdout())
                    .contains(":6771");
            dual.bothMatricesAllOk("encrypted sleeve over the IPv6 underlay, UDP 4789 blocked");

            // node 1 itself (global 2001:db8:c0::11 on eth0, its IPv6 VTEP on weft.vxlan) pings node 2's and 3's pods
            long spoofedBefore = sleeveDrops(lab.node(2), "rx_drop_spoofed_source")
                    + sleeveDrops(lab.node(3), "rx_drop_spoofed_source");
            StringBuilder report = new StringBuilder();
            for (WeftCluster.Pod p : pods) {
                if (p.node() == n1) continue;
                String route = n1.exec("ip", "-6", "route", "get", p.addressV6())
                        .stdout()
                        .strip();
                Matcher m = SRC.matcher(route);
                String src = m.find() ? m.group(1) : "?";
                boolean v6 = Await.poll(
                        Duration.ofSeconds(10), () -> n1.ping(p.addressV6(), 1).received() == 1);
                boolean v4 = Await.poll(
                        Duration.ofSeconds(10), () -> n1.ping(p.address(), 1).received() == 1);
                report.append(String.format(
                        "n1 -> %-18s (src %s): %s; -> %-14s %s%n",
                        p.addressV6(), src, v6 ? "ok" : "FAIL", p.address(), v4 ? "ok" : "FAIL"));
                assertThat(src).as(route).isNotEqualTo(n1.address());
                assertThat(v6)
                        .as("node 1 pings " + p.addressV6() + "\n" + report)
                        .isTrue();
                assertThat(v4).as("node 1 pings " + p.address() + "\n" + report).isTrue();
            }
            System.out.println("node 1 to remote pods over the encrypted sleeve:\n" + report);
            assertThat(sleeveDrops(lab.node(2), "rx_drop_spoofed_source")
                            + sleeveDrops(lab.node(3), "rx_drop_spoofed_source"))
                    .as("no inner packet of node 1 was dropped as spoofed")
                    .isEqualTo(spoofedBefore);
            // what the kernel's choice avoids: a packet from the node's global address (a process bound to it) is
            // not from node 1's ranges or VTEP addresses, and the encrypted sleeve drops it (SECURITY.md)
            WeftCluster.Pod remote = pods.stream()
                    .filter(p -> p.node() == lab.node(2))
                    .findFirst()
                    .orElseThrow();
            ExecResult bound = n1.exec("ping", "-n", "-c", "2", "-W", "1", "-I", n1.address(), remote.addressV6());
            assertThat(bound.ok())
                    .as("ping from the global address: " + bound.stdout())
                    .isFalse();
            assertThat(sleeveDrops(lab.node(2), "rx_drop_spoofed_source")).isGreaterThanOrEqualTo(2);
            System.out.println("sleeve on n1:\n"
                    + ReportFormat.connections(cluster.report(n1).orElseThrow()));
        } finally {
            for (Fault f : blocks) f.remove();
        }
        dual.awaitEveryPeer("vxlan", Duration.ofSeconds(40));
        dual.awaitNoRouteLeftInTheSleeve();
        dual.bothMatricesAllOk("kernel VXLAN again after the block");
    }
}
