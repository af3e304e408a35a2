package dev.weft.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabNode;
import java.time.Duration;
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
 * Dual stack in namespaces: three real agents with {@code --cluster-range 198.18.0.0/16,2001:db8:18::/112} (the
 * IPv6 range from the documentation prefix: DESIGN §10 has no IPv6 plan) on an IPv4 underlay, two pods per node
 * through the real plugin, an IPv4 and an IPv6 ping matrix over kernel VXLAN (both families through the one
 * {@code weft.vxlan} device). Host-gw with IPv6 over VXLAN is covered by {@code DualStackDesiredStateTest}.
 */
@Tag("kernel")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DualStackClusterTest {
    private DualStackLab dual;
    private Lab lab;
    private WeftCluster cluster;
    private List<WeftCluster.Pod> pods;

    @BeforeAll
    void up() {
        dual = DualStackLab.start(Lab.builder().nodes(3).start(), "vxlan");
        lab = dual.lab;
        cluster = dual.cluster;
        pods = dual.pods;
    }

    @AfterAll
    void down() {
        if (dual != null) dual.close();
    }

    @Test
    @Order(1)
    void everyPodGetsBothFamiliesAndReachesEveryOtherPodInBoth() {
        for (LabNode n : lab.nodes()) {
            pods.add(cluster.addPod(n, "p"));
            pods.add(cluster.addPod(n, "q"));
        }
        assertThat(pods)
                .extracting(WeftCluster.Pod::address)
                .doesNotHaveDuplicates()
                .allMatch(a -> a.startsWith("198.18."));
        assertThat(pods)
                .extracting(WeftCluster.Pod::addressV6)
                .doesNotHaveDuplicates()
                .allMatch(a -> a != null && a.startsWith("2001:db8:18:"));
        dual.bothMatricesAllOk("kernel VXLAN, both families");

        // both families over weft.vxlan: IPv6 via the peers' IPv6 VTEPs with permanent neighbour entries
        LabNode n1 = lab.node(1);
        String v6routes = n1.exec("ip", "-6", "route", "show", "proto", "87").stdout();
        assertThat(v6routes).contains("dev weft.vxlan").contains("onlink");
        assertThat(n1.exec("ip", "-6", "neigh", "show", "dev", "weft.vxlan").stdout())
                .contains("PERMANENT");
        String v4routes = n1.exec("ip", "-4", "route", "show", "proto", "87").stdout();
        assertThat(v4routes).contains("dev weft.vxlan");
    }

    @Test
    @Order(2)
    void statusAndReportShowBothFamilies() {
        Map<String, Object> r = cluster.report(lab.node(1)).orElseThrow();
        assertThat(r).containsKey("ipamV6");
        assertThat(ReportFormat.map(r, "cluster")).containsEntry("rangeV6", "2001:db8:18::/112");
        String ipam = ReportFormat.ipam(r);
        assertThat(ipam).contains("Range 198.18.0.0/16").contains("Range 2001:db8:18::/112");
        assertThat(ReportFormat.routes(r)).contains("2001:db8:18:").contains("198.18.");
        // nftables: masquerade and forward rules for both families
        String nft = lab.node(1).exec("nft", "list", "table", "inet", "weft").stdout();
        assertThat(nft).contains("ip6 saddr 2001:db8:18::/112").contains("ip saddr 198.18.0.0/16");
    }

    @Test
    @Order(3)
    void theReconcilerRestoresADeletedIpv6Route() {
        LabNode n1 = lab.node(1);
        String line = n1.exec("ip", "-6", "route", "show", "proto", "87", "dev", "weft.vxlan")
                .stdout()
                .lines()
                .findFirst()
                .orElseThrow();
        String dst = line.split(" ")[0];
        n1.exec("ip", "-6", "route", "del", dst, "dev", "weft.vxlan").orThrow();
        dev.weft.e2e.lab.Await.until(
                "IPv6 route " + dst + " restored",
                Duration.ofSeconds(20),
                () -> n1.exec("ip", "-6", "route", "show", dst).stdout().contains("weft.vxlan"));
        dual.bothMatricesAllOk("after the repair");
    }

    @Test
    @Order(4)
    void delFreesBothAddresses() {
        WeftCluster.Pod p = pods.removeLast();
        long v4 = allocated(p.node(), "ipam");
        long v6 = allocated(p.node(), "ipamV6");
        assertThat(cluster.deletePod(p).ok()).isTrue();
        assertThat(allocated(p.node(), "ipam")).isEqualTo(v4 - 1);
        assertThat(allocated(p.node(), "ipamV6")).isEqualTo(v6 - 1);
    }

    private long allocated(LabNode n, String key) {
        Map<String, Object> r = cluster.report(n).orElseThrow();
        return ((Number) ReportFormat.map(r, key).get("allocated")).longValue();
    }
}
