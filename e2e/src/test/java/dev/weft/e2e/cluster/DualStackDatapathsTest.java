package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Fault;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Dual stack over the other two datapaths, in one cluster of three agents with {@code --datapath auto} on one L2
 * underlay (IPv4): first host-gw, where IPv4 ranges are routed via the peers' underlay addresses and IPv6 ranges
 * fall back to the VXLAN device (the kernel has no IPv6 route via an IPv4 next hop); then UDP 4789 is blocked on
 * every node, the kernel path probes fail and every peer moves to the userspace sleeve, which carries both
 * families; then the block is lifted and the peers return. Two pods per node; the IPv4 and the IPv6 ping matrix
 * must be all ok in each mode. (Kernel VXLAN for both families: {@link DualStackClusterTest}.)
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DualStackDatapathsTest {
    private DualStackLab dual;
    private Lab lab;
    private WeftCluster cluster;
    private List<WeftCluster.Pod> pods;

    @BeforeAll
    void up() {
        dual = DualStackLab.start(Lab.builder().nodes(3).start(), "auto");
        lab = dual.lab;
        cluster = dual.cluster;
        pods = dual.pods;
        dual.addTwoPodsPerNode();
    }

    @AfterAll
    void down() {
        if (dual != null) dual.close();
    }

    /** Weft's remote routes on a node as "destination mode" lines, from its report ({@code weft status routes}). */
    private List<String> remoteRoutes(LabNode n) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> r :
                ReportFormat.<Map<String, Object>>list(cluster.report(n).orElseThrow(), "routes")) {
            String mode = String.valueOf(r.get("mode"));
            if (mode.startsWith("remote")) out.add(r.get("destination") + " " + mode);
        }
        return out;
    }

    @Test
    @Order(1)
    void hostGwCarriesIpv4DirectlyAndIpv6OverVxlan() {
        dual.awaitEveryPeer("host-gw", Duration.ofSeconds(30));
        LabNode n1 = lab.node(1);
        List<String> routes = remoteRoutes(n1);
        assertThat(routes)
                .filteredOn(r -> r.startsWith("198.18."))
                .isNotEmpty()
                .allMatch(r -> r.endsWith(" remote-host-gw"));
        assertThat(routes)
                .filteredOn(r -> r.startsWith("2001:db8:18:"))
                .isNotEmpty()
                .allMatch(r -> r.endsWith(" remote-vxlan"));
        assertThat(n1.exec("ip", "-4", "route", "show", "proto", "87").stdout())
                .contains("via " + lab.node(2).address())
                .contains("via " + lab.node(3).address());
        assertThat(n1.exec("ip", "-6", "route", "show", "proto", "87").stdout()).contains("dev weft.vxlan");
        dual.bothMatricesAllOk("host-gw (IPv6 over VXLAN)");
    }

    @Test
    @Order(2)
    void withUdp4789BlockedTheSleeveCarriesBothFamiliesAndTheKernelPathReturnsAfterwards() {
        List<Fault> blocks = new ArrayList<>();
        try {
            for (LabNode n : lab.nodes()) blocks.add(n.blockUdpPort(4789));
            dual.awaitEveryPeer("sleeve", Duration.ofSeconds(40));
            LabNode n1 = lab.node(1);
            List<String> routes = remoteRoutes(n1);
            assertThat(routes)
                    .filteredOn(r -> r.startsWith("2001:db8:18:"))
                    .isNotEmpty()
                    .allMatch(r -> r.endsWith(" remote-sleeve"));
            assertThat(routes)
                    .filteredOn(r -> r.startsWith("198.18."))
                    .isNotEmpty()
                    .allMatch(r -> r.endsWith(" remote-sleeve"));
            assertThat(n1.exec("ip", "-6", "route", "show", "proto", "87", "dev", "weft.sleeve")
                            .stdout())
                    .contains("2001:db8:18:");
            dual.bothMatricesAllOk("sleeve, UDP 4789 blocked");
            Map<String, Object> r = cluster.report(n1).orElseThrow();
            System.out.println("sleeve on n1:\n" + ReportFormat.connections(r));
        } finally {
            for (Fault f : blocks) f.remove();
        }
        dual.awaitEveryPeer("host-gw", Duration.ofSeconds(40));
        dual.awaitNoRouteLeftInTheSleeve();
        dual.bothMatricesAllOk("host-gw again after the block");
    }
}
