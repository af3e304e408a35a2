package dev.weft.k8s.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.Nodes;
import dev.weft.k8s.TestClock;
import dev.weft.k8s.discovery.NodeDiscovery;
import dev.weft.k8s.discovery.NodeEventListener;
import dev.weft.k8s.lock.BootstrapClaim;
import dev.weft.k8s.lock.ReclaimLock;
import dev.weft.k8s.lock.RingBootstrap;
import dev.weft.k8s.node.OwnNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs every code path of dev.weft.k8s against the mock API server, records each HTTP call as an RBAC
 * request (verb, group, resource, namespace, name) and checks that rbac.yaml allows every one of them and
 * grants nothing that is never used.
 */
@EnableKubernetesMockClient(crud = true)
class RbacCoversCallsTest {
    KubernetesClient client;
    KubernetesMockServer server;
    private static final String HARNESS = "weft-test-harness";

    /** One authorization check as the API server would do it. */
    record Access(String verb, String group, String resource, String namespace, String name) {
        String key() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
        }
    }

    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$");

    static Access toAccess(String method, String rawPath) {
        URI uri = URI.create(rawPath);
        Matcher m = PATH.matcher(uri.getPath());
        if (!m.matches()) throw new AssertionError("unexpected API path " + rawPath);
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(3) + (m.group(5) != null ? "/" + m.group(5) : "");
        String name = m.group(4);
        String query = uri.getQuery() == null ? "" : uri.getQuery();
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : query.contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method);
        };
        return new Access(verb, group, resource, m.group(2), name);
    }

    static boolean allows(PolicyRule r, Access a) {
        return r.getApiGroups().contains(a.group())
                && r.getResources().contains(a.resource())
                && r.getVerbs().contains(a.verb())
                && (r.getResourceNames() == null
                        || r.getResourceNames().isEmpty()
                        || (a.name() != null && r.getResourceNames().contains(a.name())));
    }

    @Test
    void everyCallIsAllowedAndEveryGrantIsUsed() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-03-01T00:00:00Z"));
        K8sConfig cfg = K8sConfig.defaults("self").withReclaimClaimTimeout(Duration.ofSeconds(30));
        // The test's own calls go through a client with another user agent and are left out.
        KubernetesClient harness = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(client.getConfiguration())
                        .withUserAgent(HARNESS)
                        .build())
                .build();
        harness.nodes()
                .resource(Nodes.node("self", "192.0.2.1", "198.18.0.0/24"))
                .create();
        harness.nodes()
                .resource(Nodes.node("other", "192.0.2.2", "198.18.1.0/24"))
                .create();

        // Discovery: list + watch.
        try (NodeDiscovery d = new NodeDiscovery(client, cfg, Runnable::run, new NodeEventListener() {
            @Override
            public void onNodeEvent(dev.weft.k8s.discovery.NodeEvent event) {}
        })) {
            d.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            harness.nodes().withName("other").delete(); // so the watch is surely established and used
            await("a delete event")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> d.status().deleted() > 0);
        }
        // Own node.
        OwnNode own = new OwnNode(client, cfg, clock);
        own.announce("00000000000000a1", "0.1.0");
        own.markNetworkAvailable();
        own.podCidrs();
        // Ring bootstrap: create, and the 409 path that reads the record.
        RingBootstrap rb = new RingBootstrap(client, cfg, clock);
        rb.claim(new BootstrapClaim(
                "00000000000000a1", "self", "10.32.0.0/12", 64, List.of(), java.util.Optional.empty()));
        rb.claim(new BootstrapClaim(
                "00000000000000a2", "other", "10.32.0.0/12", 64, List.of(), java.util.Optional.empty()));
        // Reclaim: acquire, take over, complete, release, list, cleanup.
        ReclaimLock rl = new ReclaimLock(client, cfg, clock);
        ReclaimLock rl2 = new ReclaimLock(client, cfg, clock);
        assertThat(rl.tryAcquireReclaim("00000000000000d1", "00000000000000a1")).isTrue();
        assertThat(rl2.tryAcquireReclaim("00000000000000d1", "00000000000000a2"))
                .isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(rl2.tryAcquireReclaim("00000000000000d1", "00000000000000a2"))
                .as("take-over")
                .isTrue();
        rl2.markReclaimed("00000000000000d1", "00000000000000a2", List.of("10.32.0.0/26"));
        rl.tryAcquireReclaim("00000000000000d2", "00000000000000a1");
        rl.release("00000000000000d2", "00000000000000a1");
        rl.list();
        clock.advance(Duration.ofDays(2));
        rl.cleanup();

        List<Access> calls = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            if (!HARNESS.equals(r.getHeader("User-Agent"))) calls.add(toAccess(r.getMethod(), r.getPath()));
        }
        harness.close();
        assertThat(calls).isNotEmpty();

        List<HasMetadata> rbac = Manifests.load("rbac.yaml");
        ClusterRole cr = rbac.stream()
                .filter(ClusterRole.class::isInstance)
                .map(ClusterRole.class::cast)
                .findFirst()
                .orElseThrow();
        Role role = rbac.stream()
                .filter(Role.class::isInstance)
                .map(Role.class::cast)
                .findFirst()
                .orElseThrow();
        String ns = role.getMetadata().getNamespace();

        Set<String> used = new LinkedHashSet<>();
        for (Access a : calls) {
            boolean ok = cr.getRules().stream().anyMatch(rule -> allows(rule, a))
                    || (ns.equals(a.namespace()) && role.getRules().stream().anyMatch(rule -> allows(rule, a)));
            assertThat(ok).as("rbac.yaml does not allow %s", a).isTrue();
            used.add(a.key());
        }
        Set<String> granted = new LinkedHashSet<>();
        for (PolicyRule rule : concat(cr.getRules(), role.getRules())) {
            for (String g : rule.getApiGroups()) {
                for (String res : rule.getResources()) {
                    for (String v : rule.getVerbs()) {
                        granted.add(v + " " + (g.isEmpty() ? "core" : g) + "/" + res);
                    }
                }
            }
        }
        assertThat(used).as("calls made").containsExactlyInAnyOrderElementsOf(granted);
    }

    private static List<PolicyRule> concat(List<PolicyRule> a, List<PolicyRule> b) {
        List<PolicyRule> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void pathsMapToRbacRequests() {
        assertThat(toAccess("GET", "/api/v1/nodes?resourceVersion=0"))
                .isEqualTo(new Access("list", "", "nodes", null, null));
        assertThat(toAccess("GET", "/api/v1/nodes?allowWatchBookmarks=true&watch=true"))
                .isEqualTo(new Access("watch", "", "nodes", null, null));
        assertThat(toAccess("PATCH", "/api/v1/nodes/n1/status"))
                .isEqualTo(new Access("patch", "", "nodes/status", null, "n1"));
        assertThat(toAccess("PUT", "/apis/coordination.k8s.io/v1/namespaces/weft/leases/x"))
                .isEqualTo(new Access("update", "coordination.k8s.io", "leases", "weft", "x"));
        assertThat(toAccess("POST", "/api/v1/namespaces/weft/configmaps"))
                .isEqualTo(new Access("create", "", "configmaps", "weft", null));
    }
}
