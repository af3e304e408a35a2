package dev.weft.e2e.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
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
 * Weft on a real Kubernetes 1.20.2 (built from Debian's source package by {@code k8s/cluster/build-k8s.sh}):
 * control plane plus three nodes in network namespaces, each with its own containerd, kubelet and
 * kube-proxy ({@code k8s/cluster/cluster.sh}); the Weft image and the test image built without a registry
 * ({@code k8s/image/build-oci.sh}); Weft installed as k8s/README.md says ({@code install-weft.sh}: Secret,
 * {@code kubectl apply -k}). Then: every agent ready, Node annotations and {@code NetworkUnavailable=False};
 * 6 pods over 3 nodes ping each other; a ClusterIP Service answers from every node and pod; an agent's
 * logs and {@code weft status}/{@code weft doctor} in its pod; the pods deleted and created again (scaled to 0,
 * every agent's allocations drop to 0, scaled back, then deleted and replaced: allocations follow, addresses
 * unique); the DaemonSet rolled (an env change) while pods ping across nodes every 0.2 s: no gap longer than
 * 5 s, every agent back Ready with {@code NetworkUnavailable=False}, pods keep their addresses; a node switched
 * off for good and its Node deleted has its ranges reclaimed under the Lease, the Deployment's pods come back
 * on the other nodes with unique addresses and reach each other.
 *
 * <p>Dual stack (the default; {@code -Dweft.k8s.ipv4Only=true} runs the cluster IPv4-only as before): the cluster
 * runs with the {@code IPv6DualStack} feature gate, every Node has an IPv4 and an IPv6 {@code spec.podCIDRs}, Weft's
 * {@code WEFT_CLUSTER_RANGE} is {@code 198.18.0.0/16,2001:db8:18::/112}; each step also checks IPv6: every pod has
 * one address of each family, the IPv6 ping matrices, the Service's IPv6 ClusterIP, the IPv6 ring's allocations
 * and its reclaim, IPv6 pings during the roll.
 *
 * <p>{@code -Dweft.k8s.ipamMode=podcidr} (dual-stack only) installs Weft in podCIDR mode instead of the ring: every
 * pod's two addresses must then lie in its Node's {@code spec.podCIDRs}, the agents log podCIDR mode instead of the
 * ring, and the removed node's step checks the pods coming back on the other nodes (there is no ring to reclaim:
 * the controller manager owns the node CIDRs).
 *
 * <p>Tagged {@code k8s-cluster}: excluded from {@code bin/test}, run by {@code bin/k8s-test} (and
 * {@code bash .ci/run}). Needs root and {@code bin/setup --k8s}. Takes ~8 min with warm caches.
 */
@Tag("k8s-cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NODES = List.of("n1", "n2", "n3");
    private static final Duration LONG = Duration.ofMinutes(5);
    /** Seconds between the background pings during the DaemonSet roll. */
    private static final double PING_INTERVAL = 0.2;
    /** "No pod loses connectivity for more than a few seconds" (issue 14). */
    private static final double MAX_OUTAGE_SECONDS = 5.0;
    /** Dual stack unless {@code -Dweft.k8s.ipv4Only=true}. */
    private static final boolean DUAL = !Boolean.getBoolean("weft.k8s.ipv4Only");
    /** Weft's WEFT_IPAM_MODE: "ring" (default) or "podcidr". */
    private static final String MODE = System.getProperty("weft.k8s.ipamMode", "ring");

    private static final boolean PODCIDR = MODE.equals("podcidr");
    /** What cluster.sh gives Kubernetes and install-weft.sh gives Weft (WEFT_CLUSTER_RANGE). */
    private static final String POD_RANGE = "198.18.0.0/16";

    private static final String POD_RANGE_V6 = "2001:db8:18::/112";
    private static final String SVC_RANGE = "198.51.100.0/24";
    private static final String SVC_RANGE_V6 = "2001:db8:5e::/112";

    private LocalCluster cluster;
    private String testImage;

    @BeforeAll
    void up() throws IOException {
        if (!Set.of("ring", "podcidr").contains(MODE) || PODCIDR && !DUAL) {
            throw new IllegalArgumentException("weft.k8s.ipamMode is ring or podcidr (podcidr needs the dual-stack"
                    + " cluster: only it gives Nodes spec.podCIDRs), got " + MODE);
        }
        Path repo = LocalCluster.findRepo();
        cluster = new LocalCluster(repo);
        Path images = Files.createTempDirectory("weft-k8s-images");
        long t0 = System.nanoTime();
        cluster.script(Duration.ofMinutes(30), "../image/build-oci.sh", "--out", images.toString())
                .orThrow();
        Properties env = new Properties();
        try (InputStream in = Files.newInputStream(images.resolve("images.env"))) {
            env.load(in);
        }
        testImage = env.getProperty("TESTPOD_IMAGE");
        String weftImage = env.getProperty("WEFT_IMAGE");
        log("images built in %d s: %s, %s", secondsSince(t0), weftImage, testImage);
        // a cluster left by an interrupted run of this test would make 'up' refuse: remove it
        cluster.script(Duration.ofMinutes(2), "cluster.sh", "down").orThrow();
        Runtime.getRuntime().addShutdownHook(new Thread(this::downQuietly, "weft-k8s-down"));
        t0 = System.nanoTime();
        List<String> up = new ArrayList<>(List.of("up", "--nodes", "3"));
        if (!DUAL) {
            up.add("--ipv4-only");
        }
        print(cluster.script(Duration.ofMinutes(45), "cluster.sh", up.toArray(String[]::new))
                .orThrow());
        log("cluster up in %d s", secondsSince(t0));
        t0 = System.nanoTime();
        print(cluster.script(
                        LONG,
                        "install-weft.sh",
                        "--image",
                        weftImage,
                        "--ipam-mode",
                        MODE,
                        "--archive",
                        images.resolve("weft-image.tar").toString(),
                        "--archive",
                        images.resolve("weft-testpod.tar").toString())
                .orThrow());
        log("Weft installed in %d s", secondsSince(t0));
    }

    @AfterAll
    void down() {
        if (cluster != null) {
            print(cluster.script(Duration.ofMinutes(3), "cluster.sh", "down"));
        }
    }

    private void downQuietly() {
        try {
            cluster.script(Duration.ofMinutes(3), "cluster.sh", "down");
        } catch (RuntimeException ignored) {
            // best effort at JVM exit; the regular path is @AfterAll
        }
    }

    @Test
    @Order(1)
    void everyAgentIsReadyAndEveryNodeCarriesWeftsAnnotationsAndCondition() {
        Map<String, JsonNode> agents = agentsByNode();
        assertEquals(new TreeSet<>(NODES), agents.keySet(), "one agent pod per node");
        for (JsonNode pod : agents.values()) {
            assertTrue(isReady(pod), "agent pod " + name(pod) + " is Ready");
            JsonNode init = pod.path("status").path("initContainerStatuses").path(0);
            assertEquals("install-cni", init.path("name").asText());
            assertEquals(
                    0,
                    init.path("state").path("terminated").path("exitCode").asInt(-1),
                    "install-cni of " + name(pod) + " exited 0");
        }
        Set<String> peerIds = new HashSet<>();
        for (String n : NODES) {
            JsonNode node = cluster.kubectlJson("get", "node", n);
            String peer = node.path("metadata")
                    .path("annotations")
                    .path("weft.dev/peer-id")
                    .asText("");
            assertTrue(peer.matches("[0-9a-f]{16}"), n + " has annotation weft.dev/peer-id, got '" + peer + "'");
            assertFalse(
                    node.path("metadata")
                            .path("annotations")
                            .path("weft.dev/version")
                            .asText("")
                            .isEmpty(),
                    n + " has annotation weft.dev/version");
            peerIds.add(peer);
            JsonNode cond = condition(node, "NetworkUnavailable");
            assertEquals("False", cond.path("status").asText(), n + " NetworkUnavailable");
            assertEquals("WeftIsUp", cond.path("reason").asText(), n + " NetworkUnavailable reason");
            assertEquals("True", condition(node, "Ready").path("status").asText(), n + " Ready");
            if (DUAL) { // the controller manager's allocation: one CIDR of each family
                List<String> cidrs = new ArrayList<>();
                node.path("spec").path("podCIDRs").forEach(c -> cidrs.add(c.asText()));
                assertEquals(2, cidrs.size(), n + " has two spec.podCIDRs, got " + cidrs);
                assertTrue(
                        Ranges.inside(POD_RANGE, cidrs.get(0)) && Ranges.inside(POD_RANGE_V6, cidrs.get(1)),
                        n + "'s spec.podCIDRs are an IPv4 CIDR of " + POD_RANGE + " and an IPv6 CIDR of " + POD_RANGE_V6
                                + ", got " + cidrs);
                log("%s spec.podCIDRs %s", n, cidrs);
            }
            // the init container installed the plugin and the conflist into this node's own directories
            String files = cluster.onNode(n, Duration.ofSeconds(10), "ls", "/opt/cni/bin", "/etc/cni/net.d")
                    .orThrow()
                    .out();
            assertTrue(
                    files.contains("10-weft.conflist") && files.lines().anyMatch("weft"::equals),
                    n + ": /opt/cni/bin/weft and /etc/cni/net.d/10-weft.conflist installed, got:\n" + files);
        }
        assertEquals(3, peerIds.size(), "three distinct peer ids");
        if (!PODCIDR) {
            JsonNode bootstrap = cluster.kubectlJson("-n", "weft", "get", "configmap", "weft-ring-bootstrap");
            log("ring bootstrap record: %s", bootstrap.path("data"));
        }
    }

    @Test
    @Order(2)
    void sixPodsOverThreeNodesAllPingEachOther() throws IOException {
        Path manifest = Files.createTempFile("weft-testpods", ".yaml");
        try (InputStream in = getClass().getResourceAsStream("/k8s/testpods.yaml")) {
            Files.writeString(
                    manifest,
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("TESTPOD_IMAGE", testImage));
        }
        cluster.kubectl("apply", "-f", manifest.toString()).orThrow();
        cluster.kubectl(LONG, "rollout", "status", "deployment/pingers", "--timeout=300s")
                .orThrow();
        Map<String, JsonNode> pods = readyTestPods(6);
        Map<String, Integer> perNode = new TreeMap<>();
        pods.values().forEach(p -> perNode.merge(p.path("spec").path("nodeName").asText(), 1, Integer::sum));
        assertEquals(Map.of("n1", 2, "n2", 2, "n3", 2), perNode, "two test pods per node");
        assertUniqueAddressesInRange(pods);
        if (PODCIDR) {
            assertInsideTheirNodesPodCidrs(pods);
        }
        pingMatrix(pods);
    }

    @Test
    @Order(3)
    void clusterIpServiceAnswersFromEveryNodeAndEveryPod() {
        JsonNode svc = cluster.kubectlJson("get", "service", "pingers");
        List<String> ips = new ArrayList<>();
        svc.path("spec").path("clusterIPs").forEach(x -> ips.add(x.asText()));
        if (ips.isEmpty()) { // (a 1.20 API server without the dual-stack gate still fills clusterIPs; just in case)
            ips.add(svc.path("spec").path("clusterIP").asText());
        }
        assertTrue(Ranges.contains(SVC_RANGE, ips.get(0)), "IPv4 Service address from " + SVC_RANGE + ", got " + ips);
        if (DUAL) {
            assertEquals(2, ips.size(), "a PreferDualStack Service gets two ClusterIPs, got " + ips);
            assertTrue(
                    Ranges.contains(SVC_RANGE_V6, ips.get(1)),
                    "IPv6 Service address from " + SVC_RANGE_V6 + ", got " + ips);
        }
        List<String> urls = ips.stream()
                .map(ip -> Ranges.isIpv6(ip) ? "http://[" + ip + "]/" : "http://" + ip + "/")
                .toList();
        Map<String, JsonNode> pods = readyTestPods(6);
        Set<String> podNames = pods.keySet();
        Map<String, Set<String>> answeredBy = new TreeMap<>();
        for (String n : NODES) {
            for (String url : urls) {
                for (int i = 0; i < 3; i++) {
                    String body = cluster.onNode(n, Duration.ofSeconds(15), "curl", "-sS", "-g", "-m", "5", url)
                            .orThrow()
                            .out()
                            .strip();
                    assertTrue(
                            podNames.contains(body),
                            "node " + n + " got an answer from a test pod at " + url + ", got '" + body + "'");
                    answeredBy.computeIfAbsent(url, k -> new TreeSet<>()).add(body);
                }
            }
        }
        // every pod asks every address in one exec; a failure prints FAIL and the URL
        StringBuilder script = new StringBuilder();
        urls.forEach(u -> script.append("wget -q -T 5 -O - '").append(u).append("' || echo FAIL; echo; "));
        for (String pod : podNames) {
            List<String> bodies = cluster.exec(
                            "default", pod, null, Duration.ofSeconds(30), "sh", "-c", script.toString())
                    .orThrow()
                    .out()
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
            assertEquals(
                    urls.size(), bodies.size(), "pod " + pod + ": one answer per address " + urls + ", got " + bodies);
            for (int i = 0; i < urls.size(); i++) {
                assertTrue(
                        podNames.contains(bodies.get(i)),
                        "pod " + pod + " got an answer from a test pod at " + urls.get(i) + ", got '" + bodies.get(i)
                                + "'");
                answeredBy.computeIfAbsent(urls.get(i), k -> new TreeSet<>()).add(bodies.get(i));
            }
        }
        answeredBy.forEach((url, by) -> log(
                "Service %s answered from %d nodes and %d pods; %d different pods answered",
                url, NODES.size(), podNames.size(), by.size()));
        answeredBy.forEach(
                (url, by) -> assertTrue(by.size() >= 2, "kube-proxy spreads " + url + " over several pods, got " + by));
    }

    @Test
    @Order(4)
    void agentLogsAndCliInTheAgentPod() {
        Map<String, JsonNode> agents = agentsByNode();
        int creators = 0;
        for (Map.Entry<String, JsonNode> e : agents.entrySet()) {
            String pod = name(e.getValue());
            String logs = cluster.kubectl("-n", "weft", "logs", pod, "-c", "weft")
                    .orThrow()
                    .out();
            assertTrue(logs.contains("following Node objects for peer discovery"), pod + " logs discovery:\n" + logs);
            if (PODCIDR) {
                assertTrue(
                        logs.contains("podCIDR mode: this node hands out addresses from its own pod CIDR"),
                        pod + " logs podCIDR mode:\n" + logs);
                creators++; // (no ring: counted so that the check below holds)
                continue;
            }
            if (logs.contains("this agent created the cluster's IPAM ring")) {
                creators++;
            } else {
                assertTrue(logs.contains("joining the cluster's IPAM ring"), pod + " logs joining the ring:\n" + logs);
            }
            String install = cluster.kubectl("-n", "weft", "logs", pod, "-c", "install-cni")
                    .orThrow()
                    .out();
            assertTrue(install.contains("install-cni: installed"), pod + " install-cni log:\n" + install);
            LocalCluster.Result status = cluster.exec("weft", pod, "weft", Duration.ofSeconds(60), "weft", "status");
            print(status);
            assertEquals(0, status.exit(), "weft status in " + pod + " exits 0 (ready)");
            if (DUAL) {
                assertTrue(
                        status.out().contains("IPv6 range " + POD_RANGE_V6)
                                && status.out().contains("IPAM (IPv6):"),
                        "weft status in " + pod + " shows the IPv6 range and ring:\n" + status.out());
            }
            LocalCluster.Result doctor = cluster.exec("weft", pod, "weft", Duration.ofSeconds(60), "weft", "doctor");
            print(doctor);
            assertEquals(0, doctor.exit(), "weft doctor in " + pod + " exits 0:\n" + doctor.out() + doctor.err());
            // Expected warnings here: the VM's clock is unsynchronised; a peer on the sleeve is reported (not
            // hidden) below: on this 2-core machine under load the kernel-path probes (1 s timeout) flap.
            for (String line : doctor.out().lines().toList()) {
                String[] f = line.strip().split("\\s+", 3);
                if (f.length < 2 || f[0].equals("CHECK") || line.startsWith(" ")) {
                    continue;
                }
                String check = f[0].equals("peer") ? "peer" : f[0];
                String result = f[0].equals("peer") ? line.strip().split("\\s+")[2] : f[1];
                assertTrue(
                        result.equals("OK")
                                || result.equals("WARN")
                                        && Set.of("clock", "peer").contains(check),
                        "weft doctor in " + pod + ": unexpected " + result + " in: " + line);
                if (check.equals("peer") && result.equals("WARN")) {
                    log("NOTE %s: doctor reports a peer on the sleeve: %s", e.getKey(), line.strip());
                }
            }
        }
        assertEquals(PODCIDR ? NODES.size() : 1, creators, "exactly one agent created the ring");
    }

    @Test
    @Order(5)
    void podsDeletedAndCreatedAgainFreeTheirAddressesAndNeverDuplicate() {
        Map<String, JsonNode> first = readyTestPods(6);
        Map<String, Integer> perNode = podsPerNode(first);
        Map<String, List<Integer>> allocated = allocatedByNode();
        log(
                "before deleting the pods: pods per node %s, allocated per node %s, addresses %s",
                perNode, allocated, podIps(first));
        assertEquals(
                expectedAllocations(perNode),
                allocated,
                "each agent's allocations (per family) match the test pods on its node");

        // scale to 0: the kubelet's DEL frees every address, the allocated counts drop to 0
        cluster.kubectl("scale", "deployment/pingers", "--replicas=0").orThrow();
        await(
                "no test pods left",
                LONG,
                () -> cluster.pods("default", "app=pingers").isEmpty() ? true : null);
        Map<String, Integer> none = new TreeMap<>();
        NODES.forEach(n -> none.put(n, 0));
        Map<String, List<Integer>> zero = expectedAllocations(none);
        Map<String, List<Integer>> freed = await("every node's allocations freed by the kubelet's DEL", LONG, () -> {
            Map<String, List<Integer>> a = allocatedByNode();
            return a.equals(zero) ? a : null;
        });
        log("after scaling to 0: allocated per node %s", freed);

        // scale up again: new addresses, unique, counted again
        cluster.kubectl("scale", "deployment/pingers", "--replicas=6").orThrow();
        cluster.kubectl(LONG, "rollout", "status", "deployment/pingers", "--timeout=300s")
                .orThrow();
        Map<String, JsonNode> second = readyTestPods(6);
        assertUniqueAddressesInRange(second);
        Map<String, Integer> secondPerNode = podsPerNode(second);
        Map<String, List<Integer>> realloc =
                await("allocations back up to the pods per node " + secondPerNode, LONG, () -> {
                    Map<String, List<Integer>> a = allocatedByNode();
                    return a.equals(expectedAllocations(secondPerNode)) ? a : null;
                });
        log("after scaling to 6: allocated per node %s, addresses %s", realloc, podIps(second));

        // delete the pods themselves: the ReplicaSet replaces them while the old ones are torn down
        cluster.kubectl(LONG, "delete", "pods", "-l", "app=pingers", "--wait=true", "--timeout=240s")
                .orThrow();
        Map<String, JsonNode> third = await("6 new ready test pods", LONG, () -> {
            Map<String, JsonNode> p = cluster.pods("default", "app=pingers");
            boolean ok = p.size() == 6
                    && p.values().stream().allMatch(RealClusterTest::isReady)
                    && p.keySet().stream().noneMatch(second::containsKey);
            return ok ? p : null;
        });
        assertUniqueAddressesInRange(third);
        Map<String, Integer> thirdPerNode = podsPerNode(third);
        Map<String, List<Integer>> after = await("allocations equal to the pods per node " + thirdPerNode, LONG, () -> {
            Map<String, List<Integer>> a = allocatedByNode();
            return a.equals(expectedAllocations(thirdPerNode)) ? a : null;
        });
        Set<String> reused = new TreeSet<>(podIps(third));
        reused.retainAll(podIps(second));
        log(
                "after deleting the pods: allocated per node %s, addresses %s (%d reused from the freed ones)",
                after, podIps(third), reused.size());
        pingMatrix(third);
    }

    @Test
    @Order(6)
    void daemonSetRolledWhilePodsPingAcrossNodes() {
        Map<String, JsonNode> pods = readyTestPods(6);
        Map<String, String> ipsBefore = new TreeMap<>();
        pods.forEach((k, v) -> ipsBefore.put(k, String.join(",", PodAddresses.all(v))));
        Map<String, List<Integer>> allocatedBefore = allocatedByNode();
        Map<String, JsonNode> agentsBefore = agentsByNode();
        // one pinger per node, each towards a pod on the next node
        Map<String, JsonNode> oneByNode = new TreeMap<>();
        pods.values()
                .forEach(p ->
                        oneByNode.putIfAbsent(p.path("spec").path("nodeName").asText(), p));
        assertEquals(new TreeSet<>(NODES), oneByNode.keySet(), "a test pod on every node");
        // pod, its node, target ip, target node, the ping's file names (one ping per family when dual-stack)
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < NODES.size(); i++) {
            String n = NODES.get(i);
            String next = NODES.get((i + 1) % NODES.size());
            JsonNode target = oneByNode.get(next);
            pairs.add(new String[] {name(oneByNode.get(n)), n, PodAddresses.v4(target), next, "/tmp/roll-ping"});
            if (DUAL) {
                pairs.add(new String[] {name(oneByNode.get(n)), n, PodAddresses.v6(target), next, "/tmp/roll-ping6"});
            }
        }
        for (String[] p : pairs) {
            cluster.exec(
                            "default",
                            p[0],
                            null,
                            Duration.ofSeconds(30),
                            "sh",
                            "-c",
                            "rm -f " + p[4] + ".log; ping -i " + PING_INTERVAL + " -w 1200 " + p[2] + " >" + p[4]
                                    + ".log 2>&1 </dev/null & echo $! >" + p[4] + ".pid")
                    .orThrow();
        }
        for (String[] p : pairs) {
            await(
                    p[0] + " pings " + p[2] + " before the roll",
                    Duration.ofSeconds(60),
                    () -> cluster.exec("default", p[0], null, Duration.ofSeconds(20), "cat", p[4] + ".log")
                                    .out()
                                    .contains("seq=")
                            ? true
                            : null);
        }
        long t0 = System.nanoTime();
        // an env change the agent reads (the ConfigMap's value, set explicitly): a new pod template
        cluster.kubectl("-n", "weft", "set", "env", "ds/weft", "WEFT_LOG_LEVEL=info")
                .orThrow();
        print(cluster.kubectl(Duration.ofMinutes(12), "-n", "weft", "rollout", "status", "ds/weft", "--timeout=700s")
                .orThrow());
        long rollSeconds = secondsSince(t0);
        LockSupport.parkNanos(Duration.ofSeconds(5).toNanos()); // some traffic after the last agent came back
        List<String> tooLong = new ArrayList<>();
        double worst = 0;
        for (String[] p : pairs) {
            String out = cluster.exec(
                            "default",
                            p[0],
                            null,
                            Duration.ofSeconds(30),
                            "sh",
                            "-c",
                            "if kill -INT $(cat " + p[4] + ".pid); then echo ping-was-running; sleep 1; fi;" + " cat "
                                    + p[4] + ".log")
                    .out();
            assertTrue(
                    out.startsWith("ping-was-running"),
                    "the ping from " + p[0] + " ran during the whole roll (" + rollSeconds + " s):\n" + out);
            PingGaps g = PingGaps.parse(out);
            log(
                    "ping %s (%s) -> %s (%s) during the roll: %d sent, %d answered, longest gap %d packets = %.1f s",
                    p[0], p[1], p[2], p[3], g.transmitted(), g.received(), g.longestGap(), g.longestGapSeconds());
            worst = Math.max(worst, g.longestGapSeconds());
            if (g.longestGapSeconds() > MAX_OUTAGE_SECONDS) {
                tooLong.add(p[0] + " (" + p[1] + ") -> " + p[2] + " (" + p[3] + "): " + g + "\n" + out);
            }
        }
        log("DaemonSet rolled in %d s; longest ping gap %.1f s", rollSeconds, worst);
        if (!tooLong.isEmpty()) {
            // what the new agents saw of their peers while traffic stopped: path changes, joins, leaves, datapath
            for (JsonNode a : agentsByNode().values()) {
                String lines = cluster.kubectl("-n", "weft", "logs", name(a), "-c", "weft")
                        .out()
                        .lines()
                        .filter(l -> l.contains("kernel VXLAN path")
                                || l.contains("peer joined")
                                || l.contains("peer left")
                                || l.contains("datapath")
                                || l.contains("sleeve"))
                        .collect(java.util.stream.Collectors.joining("\n"));
                System.out.println("--- " + name(a) + " after the roll (path, peer and datapath lines)\n" + lines);
            }
        }
        assertTrue(
                tooLong.isEmpty(),
                "no pod loses connectivity for more than " + MAX_OUTAGE_SECONDS + " s during the roll: " + tooLong);

        // every agent is new, Ready, answers 'weft status', and its Node says NetworkUnavailable=False
        Map<String, JsonNode> agents = agentsByNode();
        assertEquals(new TreeSet<>(NODES), agents.keySet(), "one agent pod per node after the roll");
        for (Map.Entry<String, JsonNode> e : agents.entrySet()) {
            String pod = name(e.getValue());
            assertFalse(pod.equals(name(agentsBefore.get(e.getKey()))), e.getKey() + "'s agent pod was replaced");
            assertTrue(isReady(e.getValue()), "agent pod " + pod + " is Ready after the roll");
            assertEquals(
                    0,
                    cluster.exec("weft", pod, "weft", Duration.ofSeconds(60), "weft", "status")
                            .exit(),
                    "weft status in " + pod + " exits 0 after the roll");
            String n = e.getKey();
            await(n + " NetworkUnavailable=False after the roll", LONG, () -> {
                JsonNode cond = condition(cluster.kubectlJson("get", "node", n), "NetworkUnavailable");
                return "False".equals(cond.path("status").asText()) ? cond : null;
            });
            String logs =
                    cluster.kubectl("-n", "weft", "logs", pod, "-c", "weft").out();
            long flaps = logs.lines()
                    .filter(l -> l.contains("kernel VXLAN path to peer failed"))
                    .count();
            log("%s: new agent %s; %d 'kernel VXLAN path to peer failed' lines in its log", n, pod, flaps);
        }
        // running pods kept their addresses and the agents their allocations; all still reach each other
        Map<String, JsonNode> after = readyTestPods(6);
        Map<String, String> ipsAfter = new TreeMap<>();
        after.forEach((k, v) -> ipsAfter.put(k, String.join(",", PodAddresses.all(v))));
        assertEquals(ipsBefore, ipsAfter, "the test pods are the same and kept their addresses");
        assertEquals(allocatedBefore, allocatedByNode(), "allocations kept across the agents' restart");
        pingMatrix(after);
    }

    @Test
    @Order(7)
    void nodeRemovedForGoodHasItsRangesReclaimedUnderTheLeaseAndReused() throws IOException {
        String gone = "n3";
        String goneNodePeer = cluster.kubectlJson("get", "node", gone)
                .path("metadata")
                .path("annotations")
                .path("weft.dev/peer-id")
                .asText();
        if (PODCIDR) {
            print(cluster.script(Duration.ofMinutes(2), "cluster.sh", "stop-node", gone)
                    .orThrow());
            cluster.kubectl("delete", "node", gone).orThrow();
            podsComeBackOnTheOtherNodes(gone);
            return;
        }
        Map<String, JsonNode> agents = agentsByNode();
        JsonNode before = report(name(agents.get("n1")));
        // the report's rings: "ipam" (IPv4) and, when dual-stack, "ipamV6"
        List<String> rings = DUAL ? List.of("ipam", "ipamV6") : List.of("ipam");
        Map<String, List<String>> goneRanges = new TreeMap<>();
        for (String ring : rings) {
            goneRanges.put(ring, ownerRanges(before, ring, goneNodePeer));
            assertFalse(
                    goneRanges.get(ring).isEmpty(),
                    "n3's peer " + goneNodePeer + " owns ranges in " + ring + " before it goes");
        }
        log("n3 (peer %s) owns %s; switching it off and deleting its Node", goneNodePeer, goneRanges);

        print(cluster.script(Duration.ofMinutes(2), "cluster.sh", "stop-node", gone)
                .orThrow());
        cluster.kubectl("delete", "node", gone).orThrow();

        String lease = "weft-reclaim-" + goneNodePeer;
        JsonNode done = await("reclaim Lease " + lease + " done", LONG, () -> {
            LocalCluster.Result r = cluster.kubectl("-n", "weft", "get", "lease", lease, "-o", "json");
            if (!r.ok()) {
                return null;
            }
            JsonNode l = parse(r.out());
            return "done"
                            .equals(l.path("metadata")
                                    .path("annotations")
                                    .path("weft.dev/reclaim-state")
                                    .asText())
                    ? l
                    : null;
        });
        String holder = done.path("spec").path("holderIdentity").asText();
        log(
                "reclaim Lease: holder %s, annotations %s",
                holder, done.path("metadata").path("annotations"));

        // the ranges are now owned by a live peer, in every live agent's view
        for (String n : List.of("n1", "n2")) {
            String pod = name(agentsByNode().get(n));
            JsonNode after = await(n + "'s view shows " + goneNodePeer + "'s ranges owned by a live peer", LONG, () -> {
                JsonNode r = report(pod);
                for (String ring : rings) {
                    Set<String> live = new HashSet<>();
                    for (JsonNode o : r.path(ring).path("owners")) {
                        if (!o.path("peer").asText().equals(goneNodePeer)
                                && o.path("reachable").asBoolean(false)) {
                            o.path("ranges").forEach(x -> live.add(x.asText()));
                        }
                    }
                    if (!ownerRanges(r, ring, goneNodePeer).isEmpty() || !covers(live, goneRanges.get(ring))) {
                        return null;
                    }
                }
                return r;
            });
            for (String ring : rings) {
                log("%s: %s owners after reclaim %s", n, ring, after.path(ring).path("owners"));
            }
        }
        // logs of the agents on the live nodes (n3's kubelet is gone: its pod's logs cannot be read)
        Map<String, JsonNode> live = agentsByNode();
        live.remove(gone);
        String logs = String.join(
                "\n",
                live.values().stream()
                        .map(p -> cluster.kubectl("-n", "weft", "logs", name(p), "-c", "weft")
                                .orThrow()
                                .out())
                        .toList());
        System.out.println("--- agent logs of n1 and n2 after the reclaim\n" + logs);
        assertTrue(logs.contains("peer declared dead"), "an agent logged 'peer declared dead'");
        assertTrue(
                logs.contains("reclaimed the ranges of a peer whose Kubernetes Node was deleted"),
                "the reclaimer logged the reclaim");
        String recorded = done.path("metadata")
                .path("annotations")
                .path("weft.dev/reclaimed-ranges")
                .asText("");
        assertFalse(
                recorded.isBlank(),
                "the done Lease records the ranges taken (k8s/README.md: 'marks the Lease done"
                        + " with the ranges it took'), got annotations "
                        + done.path("metadata").path("annotations"));

        podsComeBackOnTheOtherNodes(gone);
    }

    /** The Deployment's pods of a removed node are re-created on the others: unique addresses, all reach each other. */
    private void podsComeBackOnTheOtherNodes(String gone) {
        Map<String, JsonNode> pods = await("6 ready test pods on n1 and n2", LONG, () -> {
            Map<String, JsonNode> p = cluster.pods("default", "app=pingers");
            boolean ok = p.size() == 6
                    && p.values().stream().allMatch(RealClusterTest::isReady)
                    && p.values().stream()
                            .noneMatch(x ->
                                    gone.equals(x.path("spec").path("nodeName").asText()));
            return ok ? p : null;
        });
        assertUniqueAddressesInRange(pods);
        if (PODCIDR) {
            assertInsideTheirNodesPodCidrs(pods);
        }
        pingMatrix(pods);
        // more pods than before on the two remaining nodes: scale up so the reclaimer allocates again
        cluster.kubectl("scale", "deployment/pingers", "--replicas=10").orThrow();
        cluster.kubectl(LONG, "rollout", "status", "deployment/pingers", "--timeout=300s")
                .orThrow();
        Map<String, JsonNode> more = readyTestPods(10);
        assertUniqueAddressesInRange(more);
        if (PODCIDR) {
            assertInsideTheirNodesPodCidrs(more);
        }
        pingMatrix(more);
    }

    /** podCIDR mode: each pod's IPv4 and IPv6 address lie in its Node's spec.podCIDRs (the controller manager's). */
    private void assertInsideTheirNodesPodCidrs(Map<String, JsonNode> pods) {
        Map<String, List<String>> cidrs = new TreeMap<>();
        for (JsonNode p : pods.values()) {
            String n = p.path("spec").path("nodeName").asText();
            List<String> c = cidrs.computeIfAbsent(n, k -> {
                List<String> l = new ArrayList<>();
                cluster.kubectlJson("get", "node", k)
                        .path("spec")
                        .path("podCIDRs")
                        .forEach(x -> l.add(x.asText()));
                return l;
            });
            for (String ip : PodAddresses.all(p)) {
                assertTrue(
                        c.stream().anyMatch(x -> Ranges.contains(x, ip)),
                        name(p) + "'s address " + ip + " lies in " + n + "'s spec.podCIDRs " + c);
            }
        }
        log("every pod's addresses lie in its Node's spec.podCIDRs %s", cidrs);
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Busybox ping's reply sequence numbers and summary; a gap is a run of unanswered sequence numbers. */
    record PingGaps(int transmitted, int received, int longestGap) {
        static PingGaps parse(String out) {
            TreeSet<Integer> seqs = new TreeSet<>();
            Matcher m = Pattern.compile("seq=(\\d+)").matcher(out);
            while (m.find()) {
                seqs.add(Integer.parseInt(m.group(1)));
            }
            Matcher t = Pattern.compile("(\\d+) packets transmitted").matcher(out);
            if (!t.find()) {
                throw new AssertionError("no ping summary (did ping stop early?):\n" + out);
            }
            int transmitted = Integer.parseInt(t.group(1));
            int gap = 0;
            int prev = -1;
            for (int s : seqs) {
                gap = Math.max(gap, s - prev - 1);
                prev = s;
            }
            gap = Math.max(gap, transmitted - 1 - prev);
            return new PingGaps(transmitted, seqs.size(), gap);
        }

        /** The longest time without an answer: unanswered packets plus one interval. */
        double longestGapSeconds() {
            return longestGap == 0 ? 0 : (longestGap + 1) * PING_INTERVAL;
        }
    }

    /** Each agent's allocations: the IPv4 ring's, and when dual-stack also the IPv6 ring's (n -> [v4, v6]). */
    private Map<String, List<Integer>> allocatedByNode() {
        Map<String, List<Integer>> m = new TreeMap<>();
        agentsByNode().forEach((n, p) -> {
            JsonNode r = report(name(p));
            int v4 = r.path("ipam").path("allocated").asInt(-1);
            m.put(n, DUAL ? List.of(v4, r.path("ipamV6").path("allocated").asInt(-1)) : List.of(v4));
        });
        return m;
    }

    /** What {@link #allocatedByNode} should say for these pods per node: one address of each family per pod. */
    private static Map<String, List<Integer>> expectedAllocations(Map<String, Integer> podsPerNode) {
        Map<String, List<Integer>> m = new TreeMap<>();
        podsPerNode.forEach((n, c) -> m.put(n, DUAL ? List.of(c, c) : List.of(c)));
        return m;
    }

    private static Map<String, Integer> podsPerNode(Map<String, JsonNode> pods) {
        Map<String, Integer> m = new TreeMap<>();
        NODES.forEach(n -> m.put(n, 0));
        pods.values().forEach(p -> m.merge(p.path("spec").path("nodeName").asText(), 1, Integer::sum));
        return m;
    }

    private static Set<String> podIps(Map<String, JsonNode> pods) {
        Set<String> s = new TreeSet<>();
        pods.values().forEach(p -> s.addAll(PodAddresses.all(p)));
        return s;
    }

    private void pingMatrix(Map<String, JsonNode> pods) {
        List<String> failures = new ArrayList<>();
        for (PodAddresses.Matrix m : PodAddresses.pingMatrices(cluster, pods, DUAL)) {
            log("%s ping matrix (%d pods):%n%s", m.family(), pods.size(), m.text());
            failures.addAll(m.failures().stream().map(f -> m.family() + " " + f).toList());
        }
        assertTrue(failures.isEmpty(), "every pod reaches every other pod; failures: " + failures);
    }

    private static void assertUniqueAddressesInRange(Map<String, JsonNode> pods) {
        Map<String, String> byIp = new HashMap<>();
        for (JsonNode p : pods.values()) {
            List<String> ips = PodAddresses.all(p);
            String v4 = PodAddresses.v4(p);
            assertTrue(
                    Ranges.contains(POD_RANGE, v4),
                    name(p) + " has an address from WEFT_CLUSTER_RANGE " + POD_RANGE + ": " + ips);
            if (DUAL) {
                assertEquals(2, ips.size(), name(p) + " has one address of each family: " + ips);
                assertTrue(
                        Ranges.contains(POD_RANGE_V6, PodAddresses.v6(p)),
                        name(p) + " has an IPv6 address from WEFT_CLUSTER_RANGE's " + POD_RANGE_V6 + ": " + ips);
            }
            for (String ip : ips) {
                String other = byIp.put(ip, name(p));
                assertTrue(other == null, "address " + ip + " given to both " + other + " and " + name(p));
            }
        }
    }

    private Map<String, JsonNode> readyTestPods(int n) {
        return await(n + " ready test pods", LONG, () -> {
            Map<String, JsonNode> p = cluster.pods("default", "app=pingers");
            return p.size() == n && p.values().stream().allMatch(RealClusterTest::isReady) ? p : null;
        });
    }

    private Map<String, JsonNode> agentsByNode() {
        Map<String, JsonNode> m = new TreeMap<>();
        for (JsonNode p : cluster.pods("weft", "app.kubernetes.io/name=weft").values()) {
            m.put(p.path("spec").path("nodeName").asText(), p);
        }
        return m;
    }

    private JsonNode report(String agentPod) {
        return parse(cluster.exec("weft", agentPod, "weft", Duration.ofSeconds(60), "weft", "report", "--json")
                .orThrow()
                .out());
    }

    private static List<String> ownerRanges(JsonNode report, String ring, String peer) {
        List<String> r = new ArrayList<>();
        for (JsonNode o : report.path(ring).path("owners")) {
            if (o.path("peer").asText().equals(peer)) {
                o.path("ranges").forEach(x -> r.add(x.asText()));
            }
        }
        return r;
    }

    /** True if the union of {@code have} (CIDRs) contains every range in {@code wanted}. */
    static boolean covers(Set<String> have, List<String> wanted) {
        return wanted.stream().allMatch(w -> Ranges.coveredByUnion(have, Ranges.bounds(w)));
    }

    private static JsonNode condition(JsonNode node, String type) {
        for (JsonNode c : node.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        fail(node.path("metadata").path("name").asText() + " has no condition " + type);
        return null;
    }

    private static boolean isReady(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    private static String name(JsonNode obj) {
        return obj.path("metadata").path("name").asText();
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    private static <T> T await(String what, Duration timeout, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        }
    }

    private static long secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000_000L;
    }

    private static void log(String fmt, Object... args) {
        System.out.printf("RealClusterTest: " + fmt + "%n", args);
        System.out.flush();
    }

    private static void print(LocalCluster.Result r) {
        System.out.println("$ " + String.join(" ", r.command()) + " (exit " + r.exit() + ")");
        System.out.print(r.out());
        if (!r.err().isBlank()) {
            System.out.print(r.err());
        }
        System.out.flush();
    }
}
