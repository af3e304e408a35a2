package dev.weft.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.cni.PluginProcess.Outcome;
import dev.weft.cni.Json;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.datapath.testing.TestNetns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real plugin executable (launcher + jar + AOT cache) driven like a runtime, against a CNI server in
 * this JVM that plumbs real namespaces: "node" stands for the host, pods are namespaces of their own.
 */
@Tag("kernel")
class CniPluginKernelTest {
    static final ThreadFactory PLATFORM =
            Thread.ofPlatform().daemon().name("cni-ns-", 0).factory();

    TestNetns namespaces;
    String node;
    NetlinkNamespace nodeNs;
    Path dir;
    Path socket;
    ExecutorService executor;
    CniServer server;
    LocalIpamNode ipam;
    final AtomicReference<String> notReady = new AtomicReference<>();
    Path weft;

    @BeforeEach
    void setUp() throws Exception {
        weft = PluginProcess.cniBinDir().resolve("weft");
        namespaces = new TestNetns();
        node = namespaces.create("node");
        nodeNs = NetlinkNamespace.open(TestNetns.path(node), PLATFORM);
        nodeNs.writeSysctl("net/ipv4/ip_forward", "1");
        TestNetns.run("ip", "-n", node, "addr", "add", "192.0.2.1/32", "dev", "lo");
        dir = Files.createTempDirectory("weft-cni-test");
        socket = dir.resolve("cni.sock");
        executor = Executors.newVirtualThreadPerTaskExecutor();
        ipam = new LocalIpamNode(dir.resolve("ipam"), "198.18.0.0/16");
        PodNetwork pods = new RoutedPodNetwork(
                new DatapathPodNetwork(new PodPlumber(nodeNs.netlink(), nodeNs::writeSysctl, PLATFORM)),
                nodeNs.netlink(),
                "192.0.2.1");
        CniHandler handler =
                new CniHandler(ipam, pods, () -> Optional.ofNullable(notReady.get()), () -> 1400, System::nanoTime);
        server = new CniServer(socket, executor, handler);
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (server != null) server.close();
            if (executor != null) executor.shutdownNow();
            if (nodeNs != null) nodeNs.close();
        } finally {
            namespaces.close();
            if (dir != null) {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        }
    }

    String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\"" + socket
                + "\"}";
    }

    Outcome plugin(String cmd, String id, String ns, String stdin) throws Exception {
        return PluginProcess.run(node, weft, PluginProcess.env(cmd, id, ns == null ? null : ns, "eth0"), stdin);
    }

    static boolean ping(String fromNs, String ip) {
        return TestNetns.execIn(fromNs, "ping", "-c", "1", "-W", "2", ip).exit() == 0;
    }

    @SuppressWarnings("unchecked")
    static String podIp(Map<String, Object> result) {
        List<Map<String, Object>> ips = (List<Map<String, Object>>) result.get("ips");
        String a = (String) ips.get(ips.size() - 1).get("address");
        return a.substring(0, a.indexOf('/'));
    }

    @Test
    void addCheckDelThroughThePluginWithPodsReachingNodeAndEachOther() throws Exception {
        String a = namespaces.create("a");
        String b = namespaces.create("b");
        String pa = TestNetns.path(a).toString();
        String pb = TestNetns.path(b).toString();

        Outcome addA = plugin("ADD", "ctra", pa, conf("1.0.0"));
        assertThat(addA.exit()).as(addA.stdout() + addA.stderr()).isZero();
        Outcome addB = plugin("ADD", "ctrb", pb, conf("1.0.0"));
        assertThat(addB.exit()).as(addB.stdout()).isZero();
        String ipA = podIp(addA.json());
        String ipB = podIp(addB.json());
        assertThat(ipA).isNotEqualTo(ipB).startsWith("198.18.");
        assertThat(addA.stderr())
                .as("JVM noise on stderr (AOT cache problems, warnings)")
                .isEmpty();

        assertThat(ping(a, "192.0.2.1")).as("pod a -> node").isTrue();
        assertThat(ping(a, ipB)).as("pod a -> pod b").isTrue();
        assertThat(ping(b, ipA)).as("pod b -> pod a").isTrue();

        String withPrev = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\"" + socket
                + "\",\"prevResult\":" + addA.stdout() + "}";
        Outcome check = plugin("CHECK", "ctra", pa, withPrev);
        assertThat(check.exit()).as(check.stdout()).isZero();
        TestNetns.run("ip", "-n", a, "neigh", "del", "169.254.1.1", "dev", "eth0");
        Outcome badCheck = plugin("CHECK", "ctra", pa, withPrev);
        assertThat(badCheck.exit()).isNotZero();
        assertThat(badCheck.json().get("msg").toString()).contains("neighbour");

        Outcome again = plugin("ADD", "ctrb", pb, conf("1.0.0"));
        assertThat(again.code()).isEqualTo(100);
        assertThat(ping(b, "192.0.2.1"))
                .as("failed second ADD left pod b alone")
                .isTrue();

        assertThat(plugin("DEL", "ctra", pa, withPrev).exit()).isZero();
        assertThat(plugin("DEL", "ctra", pa, withPrev).exit())
                .as("repeated DEL")
                .isZero();
        assertThat(TestNetns.exec("ip", "-n", a, "link", "show", "eth0").exit()).isNotZero();
        // containerd sends an empty CNI_NETNS when the namespace is already gone
        TestNetns.run("ip", "netns", "del", b);
        Outcome delB = PluginProcess.run(node, weft, PluginProcess.env("DEL", "ctrb", "", "eth0"), conf("1.0.0"));
        assertThat(delB.exit()).as(delB.stdout()).isZero();
        assertThat(ipam.allocated()).isZero();
        assertThat(TestNetns.run("ip", "-n", node, "link")).doesNotContain("weft");
    }

    @Test
    void chainedWithTheReferencePortmapPlugin() throws Exception {
        String a = namespaces.create("a");
        String pa = TestNetns.path(a).toString();
        Outcome add = plugin("ADD", "ctrp", pa, conf("1.0.0"));
        assertThat(add.exit()).as(add.stdout()).isZero();
        String portmapConf = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"portmap\","
                + "\"capabilities\":{\"portMappings\":true},"
                + "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":18080,\"containerPort\":80,\"protocol\":\"tcp\"}]},"
                + "\"prevResult\":" + add.stdout() + "}";
        Outcome pm = PluginProcess.run(
                node, Path.of("/usr/lib/cni/portmap"), PluginProcess.env("ADD", "ctrp", pa, "eth0"), portmapConf);
        assertThat(pm.exit()).as(pm.stdout() + pm.stderr()).isZero();
        assertThat(podIp(pm.json())).isEqualTo(podIp(add.json()));
        assertThat(TestNetns.run("ip", "netns", "exec", node, "iptables-save")).contains("18080");
        // CHECK and DEL in reverse order with the final result as prevResult
        String weftWithPrev = conf("1.0.0").replace("}", ",\"prevResult\":" + pm.stdout() + "}");
        Outcome check = plugin("CHECK", "ctrp", pa, weftWithPrev);
        assertThat(check.exit()).as(check.stdout()).isZero();
        Outcome pmDel = PluginProcess.run(
                node,
                Path.of("/usr/lib/cni/portmap"),
                PluginProcess.env("DEL", "ctrp", pa, "eth0"),
                portmapConf.replace(add.stdout(), pm.stdout()));
        assertThat(pmDel.exit()).as(pmDel.stdout()).isZero();
        assertThat(plugin("DEL", "ctrp", pa, weftWithPrev).exit()).isZero();
        assertThat(ipam.allocated()).isZero();
    }

    @Test
    void concurrentAddsGetDistinctReachableAddresses() throws Exception {
        int n = 50;
        List<String> pods = new ArrayList<>();
        for (int i = 0; i < n; i++) pods.add(namespaces.create("p" + i));
        ExecutorService ex = Executors.newFixedThreadPool(n);
        try {
            List<Future<Outcome>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String ns = TestNetns.path(pods.get(i)).toString();
                String id = "par" + i;
                fs.add(ex.submit(() -> plugin("ADD", id, ns, conf("1.1.0"))));
            }
            Set<String> ips = new HashSet<>();
            for (Future<Outcome> f : fs) {
                Outcome o = f.get(300, TimeUnit.SECONDS);
                assertThat(o.exit()).as(o.stdout()).isZero();
                ips.add(podIp(o.json()));
            }
            assertThat(ips).hasSize(n);
            for (String ip : ips)
                assertThat(ping(pods.get(0), ip)).as("pod 0 -> " + ip).isTrue();
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void statusGcAndNotReadyThroughThePlugin() throws Exception {
        assertThat(plugin("STATUS", null, null, conf("1.1.0")).exit()).isZero();
        notReady.set("waiting for the IPAM ring");
        Outcome st = plugin("STATUS", null, null, conf("1.1.0"));
        assertThat(st.code()).isEqualTo(50);
        assertThat(st.json().get("msg").toString()).contains("waiting for the IPAM ring");
        String a = namespaces.create("a");
        Outcome add = plugin("ADD", "ctrn", TestNetns.path(a).toString(), conf("1.1.0"));
        assertThat(add.code()).isEqualTo(11);
        notReady.set(null);

        Outcome keep = plugin("ADD", "keep", TestNetns.path(a).toString(), conf("1.1.0"));
        assertThat(keep.exit()).isZero();
        String b = namespaces.create("b");
        assertThat(plugin("ADD", "stale", TestNetns.path(b).toString(), conf("1.1.0"))
                        .exit())
                .isZero();
        String gc = conf("1.1.0")
                .replace("}", ",\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]}");
        Outcome gco = plugin("GC", null, null, gc);
        assertThat(gco.exit()).as(gco.stdout()).isZero();
        assertThat(ipam.attachments()).containsExactly(new CniIpam.Attachment("keep", "eth0"));
        assertThat(TestNetns.exec("ip", "-n", b, "link", "show", "eth0").exit())
                .as("GC removed the stale veth")
                .isNotZero();
        assertThat(ping(a, "192.0.2.1")).isTrue();
    }

    @Test
    void agentDownAndBadInputGetCniErrors() throws Exception {
        String a = namespaces.create("a");
        String pa = TestNetns.path(a).toString();
        Outcome noEnv = PluginProcess.run(node, weft, Map.of("CNI_COMMAND", "ADD"), conf("1.0.0"));
        assertThat(noEnv.code()).isEqualTo(4);
        assertThat(plugin("ADD", "c1", pa, "{\"cniVersion\":").code()).isEqualTo(6);
        assertThat(plugin("ADD", "c1", pa, "{\"cniVersion\":\"9.9.9\",\"name\":\"weft\",\"type\":\"weft\"}")
                        .code())
                .isEqualTo(1);
        assertThat(plugin("ADD", "c1", pa, conf("1.0.0").replace("\"name\":\"weft\",", ""))
                        .code())
                .isEqualTo(7);
        Outcome version = plugin("VERSION", null, null, "{\"cniVersion\":\"1.1.0\"}");
        assertThat(version.json().get("supportedVersions"))
                .isEqualTo(List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"));

        server.close();
        Outcome down = plugin("ADD", "c1", pa, conf("1.0.0"));
        assertThat(down.exit()).isNotZero();
        assertThat(down.code()).isEqualTo(11);
        assertThat(down.json().get("msg").toString()).contains(socket.toString());
        assertThat(plugin("STATUS", null, null, conf("1.1.0")).code()).isEqualTo(50);
        assertThat(Json.write(down.json())).contains("weft agent");
        assertThat(TestNetns.run("ip", "-n", node, "link")).doesNotContain("weft");
    }
}
