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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("kernel")
class PodPlumberKernelTest {
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

    PodSpec spec(String ns, String id, String ip) {
        return new PodSpec(id, TestNetns.path(ns), "eth0", IpAddress.parse(ip), 1400);
    }

    /**
     * What the agent does after the plumber: the pod joins the view, and the reconciler installs its host route (the
     * plumber does not).
     */
    PodLinks attachAndRoute(PodSpec spec) throws PodPlumbingException {
        PodLinks links = plumber.attach(spec);
        localPods.add(new ClusterView.LocalPod(spec.address(), links.hostIfName()));
        reconcilePods();
        return links;
    }

    void reconcilePods() {
        ClusterView.LocalNode local = new ClusterView.LocalNode(
                "node", IpAddress.parse("192.0.2.1"), null, 1500, MacAddress.parse("02:57:00:00:00:01"), null);
        reconciler.setDesired(DesiredStateCalculator.compute(
                DatapathConfig.defaults(), new ClusterView(local, List.of(), localPods)));
        ReconcileResult r = reconciler.reconcile();
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void thePlumberLeavesTheHostRouteToTheReconciler() throws Exception {
        PodSpec a = spec(podA, "containera", "198.18.0.2");
        PodLinks la = plumber.attach(a);
        assertThat(TestNetns.run("ip", "-n", node, "route")).doesNotContain("198.18.0.2");
        assertThatThrownBy(() -> plumber.check(a))
                .hasMessageContaining("node has no route 198.18.0.2/32")
                .hasMessageContaining("reconciler");
        localPods.add(new ClusterView.LocalPod(a.address(), la.hostIfName()));
        reconcilePods();
        assertThat(TestNetns.run("ip", "-n", node, "route", "show", "198.18.0.2"))
                .contains("dev " + la.hostIfName())
                .contains("proto 87")
                .contains("scope link");
        plumber.check(a);
    }

    @Test
    void podsReachTheNodeAndEachOther() throws Exception {
        PodSpec a = spec(podA, "containera", "198.18.0.2");
        PodSpec b = spec(podB, "containerb", "198.18.0.3");
        PodLinks la = attachAndRoute(a);
        attachAndRoute(b);
        assertThat(la.hostIfName()).hasSizeLessThanOrEqualTo(15).startsWith("weft");
        assertThat(TestNetns.run("ip", "-n", node, "link", "show", la.hostIfName()))
                .contains("mtu 1400");
        assertThat(TestNetns.run("ip", "-n", podA, "-4", "addr", "show", "eth0"))
                .contains("198.18.0.2/32");
        assertThat(TestNetns.run("ip", "-n", podA, "route"))
                .containsPattern("default via 169.254.1.1 dev eth0 .*onlink");
        assertThat(TestNetns.run("ip", "-n", podA, "neigh"))
                .contains("169.254.1.1 dev eth0 lladdr " + la.hostMac())
                .contains("PERMANENT");
        assertThat(TestNetns.run("ip", "-n", node, "route")).contains("198.18.0.2 dev " + la.hostIfName());

        assertThat(TestNetns.execIn(podA, "ping", "-c", "1", "-W", "2", "192.0.2.1")
                        .exit())
                .isZero();
        assertThat(TestNetns.execIn(podA, "ping", "-c", "1", "-W", "2", "198.18.0.3")
                        .exit())
                .isZero();
        assertThat(TestNetns.execIn(podB, "ping", "-c", "1", "-W", "2", "198.18.0.2")
                        .exit())
                .isZero();

        plumber.check(a);
        plumber.check(b);
    }

    @Test
    void podToPodOnOneNodeNeedsNoGlobalForwarding() throws Exception {
        nodeNs.writeSysctl("net/ipv4/ip_forward", "0");
        attachAndRoute(spec(podA, "containera", "198.18.0.2"));
        PodLinks lb = attachAndRoute(spec(podB, "containerb", "198.18.0.3"));
        assertThat(nodeNs.readSysctl("net/ipv4/conf/" + lb.hostIfName() + "/forwarding"))
                .isEqualTo("1");
        assertThat(TestNetns.execIn(podA, "ping", "-c", "1", "-W", "2", "198.18.0.3")
                        .exit())
                .isZero();
    }

    @Test
    void addOnAnExistingInterfaceFailsAndKeepsIt() throws Exception {
        PodSpec a = spec(podA, "containera", "198.18.0.2");
        attachAndRoute(a);
        assertThatThrownBy(() -> plumber.attach(a))
                .isInstanceOf(PodPlumbingException.class)
                .extracting(e -> ((PodPlumbingException) e).kind())
                .isEqualTo(PodPlumbingException.Kind.INTERFACE_EXISTS);
        plumber.check(a);
    }

    @Test
    void checkNamesWhatIsMissing() throws Exception {
        PodSpec a = spec(podA, "containera", "198.18.0.2");
        attachAndRoute(a);
        TestNetns.run("ip", "-n", podA, "route", "del", "default");
        assertThatThrownBy(() -> plumber.check(a)).hasMessageContaining("default route");
        TestNetns.run("ip", "-n", node, "route", "del", "198.18.0.2/32");
        assertThatThrownBy(() -> plumber.check(a)).hasMessageContaining("route 198.18.0.2/32");
        assertThatThrownBy(() -> plumber.check(spec(podA, "containera", "198.18.0.9")))
                .isInstanceOf(PodPlumbingException.class);
    }

    @Test
    void detachIsIdempotentAndWorksWithoutTheNamespace() throws Exception {
        PodSpec a = spec(podA, "containera", "198.18.0.2");
        PodLinks la = attachAndRoute(a);
        plumber.detach("containera", "eth0");
        assertThat(TestNetns.exec("ip", "-n", node, "link", "show", la.hostIfName())
                        .exit())
                .isNotZero();
        assertThat(TestNetns.exec("ip", "-n", podA, "link", "show", "eth0").exit())
                .isNotZero();
        assertThat(TestNetns.run("ip", "-n", node, "route")).doesNotContain("198.18.0.2");
        plumber.detach("containera", "eth0");
        plumber.detach("never-existed", "eth0");

        // Namespace deleted before DEL (containerd then sends an empty CNI_NETNS).
        PodSpec b = spec(podB, "containerb", "198.18.0.3");
        PodLinks lb = plumber.attach(b);
        TestNetns.run("ip", "netns", "del", podB);
        plumber.detach("containerb", "eth0");
        assertThat(TestNetns.exec("ip", "-n", node, "link", "show", lb.hostIfName())
                        .exit())
                .isNotZero();
    }

    @Test
    void missingNamespaceIsReportedAsSuch() {
        PodSpec gone = new PodSpec(
                "x1",
                Path.of("/run/netns/" + namespaces.prefix() + "-absent"),
                "eth0",
                IpAddress.parse("198.18.0.5"),
                1400);
        assertThatThrownBy(() -> plumber.attach(gone))
                .isInstanceOf(PodPlumbingException.class)
                .extracting(e -> ((PodPlumbingException) e).kind())
                .isEqualTo(PodPlumbingException.Kind.NETNS_NOT_FOUND);
        assertThat(TestNetns.run("ip", "-n", node, "link")).doesNotContain("weft");
    }

    @Test
    void aStaleHostVethIsReplaced() throws Exception {
        String stale = PodPlumber.hostIfName("containera", "eth0");
        TestNetns.run("ip", "-n", node, "link", "add", stale, "type", "veth", "peer", "name", "tmp0");
        attachAndRoute(spec(podA, "containera", "198.18.0.2"));
        assertThat(TestNetns.execIn(podA, "ping", "-c", "1", "-W", "2", "192.0.2.1")
                        .exit())
                .isZero();
    }

    @Test
    void hostNamesAreShortStableAndDistinct() {
        assertThat(PodPlumber.hostIfName("abc", "eth0"))
                .isEqualTo(PodPlumber.hostIfName("abc", "eth0"))
                .hasSize(15);
        assertThat(PodPlumber.hostIfName("abc", "eth0")).isNotEqualTo(PodPlumber.hostIfName("abd", "eth0"));
        assertThat(PodPlumber.hostIfName("abc", "eth0")).isNotEqualTo(PodPlumber.hostIfName("abc", "net1"));
    }
}
