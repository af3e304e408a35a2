package dev.weft.datapath.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.testing.TestNetns;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A dual-stack pod on a real kernel: an IPv4 and an IPv6 address on one veth, each with its link-local gateway and
 * permanent neighbour entry, no duplicate address detection (the IPv6 address is usable at once), host routes from
 * the reconciler, CHECK verifying both families. Addresses: 198.18.0.0/15 and the documentation prefix 2001:db8::/32
 * (DESIGN §10 has no IPv6 plan).
 */
@Tag("kernel")
class DualStackPodKernelTest {
    static final ThreadFactory PLATFORM =
            Thread.ofPlatform().daemon().name("pod-ns-", 0).factory();

    TestNetns namespaces;
    String node;
    String podA;
    String podB;
    NetlinkNamespace nodeNs;
    PodPlumber plumber;
    Reconciler reconciler;
    final List<ClusterView.LocalPod> localPods = new ArrayList<>();

    @BeforeEach
    void setUp() {
        namespaces = new TestNetns();
        node = namespaces.create("node");
        podA = namespaces.create("a");
        podB = namespaces.create("b");
        nodeNs = NetlinkNamespace.open(TestNetns.path(node), PLATFORM);
        nodeNs.writeSysctl("net/ipv4/ip_forward", "1");
        nodeNs.writeSysctl("net/ipv6/conf/all/forwarding", "1");
        TestNetns.run("ip", "-n", node, "addr", "add", "192.0.2.1/32", "dev", "lo");
        plumber = new PodPlumber(nodeNs.netlink(), nodeNs::writeSysctl, PLATFORM);
        reconciler = new Reconciler(nodeNs.netlink(), DatapathConfig.defaults());
    }

    @AfterEach
    void tearDown() {
        try {
            if (nodeNs != null) nodeNs.close();
        } finally {
            namespaces.close();
        }
    }

    PodSpec spec(String ns, String id, String v4, String v6) {
        return new PodSpec(id, TestNetns.path(ns), "eth0", IpAddress.parse(v4), IpAddress.parse(v6), 1400);
    }

    PodLinks attachAndRoute(PodSpec spec) throws PodPlumbingException {
        PodLinks links = plumber.attach(spec);
        for (IpAddress a : spec.addresses()) localPods.add(new ClusterView.LocalPod(a, links.hostIfName()));
        ClusterView.LocalNode local = new ClusterView.LocalNode(
                "node", IpAddress.parse("192.0.2.1"), null, 1500, MacAddress.parse("02:57:00:00:00:01"), null);
        reconciler.setDesired(DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local, List.of(), localPods)));
        ReconcileResult r = reconciler.reconcile();
        assertThat(r.errors()).isEmpty();
        return links;
    }

    @Test
    void bothFamiliesArePlumbedCheckedAndReachableAtOnce() throws Exception {
        PodSpec a = spec(podA, "containera", "198.18.0.2", "2001:db8:18::2");
        PodSpec b = spec(podB, "containerb", "198.18.0.3", "2001:db8:18::3");
        PodLinks la = attachAndRoute(a);
        attachAndRoute(b);

        String addr6 = TestNetns.run("ip", "-n", podA, "-6", "addr", "show", "eth0");
        // the pod's address is usable at once (added without DAD); the kernel's own link-local address finishes its
        // (disabled) DAD in a work item once the link is up, so it may be tentative for a moment, far less than the
        // second or more DAD would take
        assertThat(addr6).contains("2001:db8:18::2/128");
        assertThat(addr6.substring(addr6.indexOf("2001:db8:18::2/128"))
                        .lines()
                        .findFirst()
                        .orElseThrow())
                .doesNotContain("tentative");
        long until = System.nanoTime() + 300_000_000L;
        while (TestNetns.run("ip", "-n", podA, "-6", "addr", "show", "eth0").contains("tentative")) {
            assertThat(System.nanoTime())
                    .as("no address tentative 300 ms after ADD: " + addr6)
                    .isLessThan(until);
            Thread.sleep(10);
        }
        assertThat(TestNetns.run("ip", "netns", "exec", podA, "sysctl", "-n", "net.ipv6.conf.eth0.accept_dad")
                        .trim())
                .as("DAD is off on the pod interface")
                .isEqualTo("0");
        assertThat(TestNetns.run("ip", "-n", podA, "-6", "route", "show", "default"))
                .contains("via fe80::1 dev eth0");
        assertThat(TestNetns.run("ip", "-n", podA, "-6", "neigh", "show", "fe80::1"))
                .contains("lladdr " + la.hostMac())
                .contains("PERMANENT");
        assertThat(TestNetns.run("ip", "-n", node, "-6", "route", "show", "2001:db8:18::2"))
                .contains("dev " + la.hostIfName());

        plumber.check(a);
        plumber.check(b);

        // the first packets pass at once (no DAD wait): pod to pod over the node, both families
        assertThat(TestNetns.run("ip", "netns", "exec", podA, "ping", "-c", "1", "-W", "2", "198.18.0.3"))
                .contains("1 received");
        assertThat(TestNetns.run("ip", "netns", "exec", podA, "ping", "-6", "-c", "1", "-W", "2", "2001:db8:18::3"))
                .contains("1 received");

        // CHECK names the IPv6 part that is missing
        TestNetns.run("ip", "-n", podA, "-6", "neigh", "del", "fe80::1", "dev", "eth0");
        assertThatThrownBy(() -> plumber.check(a)).hasMessageContaining("permanent neighbour fe80::1");
    }
}
