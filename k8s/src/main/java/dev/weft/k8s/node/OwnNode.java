package dev.weft.k8s.node;

import dev.weft.k8s.K8sApiException;
import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.WeftKeys;
import dev.weft.k8s.discovery.AddressPreference;
import dev.weft.k8s.discovery.NodePeer;
import dev.weft.k8s.discovery.NodePeers;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's own Node: announce the peer id and version as annotations, report the network as up or down
 * through the {@code NetworkUnavailable} condition, and read {@code spec.podCIDR(s)} for the podCIDR mode.
 *
 * <p>API calls: {@code get nodes} and {@code patch nodes/status} only: a JSON merge patch of two annotations
 * (the status subresource keeps metadata changes; it resets only {@code spec}, see k8s/README.md), and a JSON
 * patch that replaces or appends only the {@code NetworkUnavailable} condition, guarded by a {@code test} op, so
 * the kubelet's conditions are untouched. No {@code patch nodes}: the agent cannot change any Node's spec (taints,
 * podCIDR, unschedulable). Blocking; call from a thread that may block.
 */
public final class OwnNode {
    private static final Logger log = LoggerFactory.getLogger(OwnNode.class);

    private static final int MAX_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final String nodeName;
    private final Clock clock;

    public OwnNode(KubernetesClient client, K8sConfig config, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.nodeName = config.nodeName();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String nodeName() {
        return nodeName;
    }

    /** The Node object, or a {@link K8sApiException} (404 when the node does not exist). */
    public Node get() {
        try {
            Node n = client.nodes().withName(nodeName).get();
            if (n == null) {
                throw new K8sApiException(
                        "reading own node=" + nodeName + " failed (HTTP 404): no such Node;"
                                + " WEFT_NODE_NAME must be the name of the Node this pod runs on (spec.nodeName)",
                        404,
                        null);
            }
            return n;
        } catch (KubernetesClientException e) {
            throw K8sApiException.of("reading own node=" + nodeName, e);
        }
    }

    /** The own node as Weft sees it. */
    public NodePeer read(AddressPreference preference) {
        return NodePeers.fromNode(get(), preference);
    }

    /**
     * {@code spec.podCIDRs} (or {@code spec.podCIDR}) of the own node, for the podCIDR mode; empty when the
     * controller manager does not allocate node CIDRs ({@code --allocate-node-cidrs=false}).
     */
    public List<String> podCidrs() {
        return NodePeers.podCidrs(get().getSpec());
    }

    /**
     * Writes {@code weft.dev/peer-id} and {@code weft.dev/version} on the own node. Idempotent: no write
     * when both already hold these values.
     *
     * @return true when the node was patched
     */
    public boolean announce(String peerId, String version) {
        WeftKeys.requirePeerId("peer id", peerId);
        Objects.requireNonNull(version, "version");
        Map<String, String> ann =
                Optional.ofNullable(get().getMetadata().getAnnotations()).orElse(Map.of());
        if (peerId.equals(ann.get(WeftKeys.PEER_ID)) && version.equals(ann.get(WeftKeys.VERSION))) return false;
        Map<String, String> want = new LinkedHashMap<>();
        want.put(WeftKeys.PEER_ID, peerId);
        want.put(WeftKeys.VERSION, version);
        String patch = Serialization.asJson(Map.of("metadata", Map.of("annotations", want)));
        try {
            // through nodes/status: RBAC grants no patch on nodes, so the agent can never touch a Node's spec
            client.nodes().withName(nodeName).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            throw K8sApiException.of("annotating own node=" + nodeName + " with peer=" + peerId, e);
        }
        log.info("announced on node={} peer={} version={}", nodeName, peerId, version);
        return true;
    }

    /**
     * Sets {@code NetworkUnavailable=False} with reason {@code WeftIsUp}. Idempotent: no write when the
     * condition already says so. Call once the datapath and the CNI server are ready.
     *
     * @return true when the status was patched
     */
    public boolean markNetworkAvailable() {
        return setCondition("False", WeftKeys.REASON_UP, "Weft is running on this node");
    }

    /**
     * Sets {@code NetworkUnavailable=True}, e.g. when the agent shuts down or the datapath cannot be
     * programmed. {@code reason} must be CamelCase (e.g. {@code WeftIsDown}).
     *
     * @return true when the status was patched
     */
    public boolean markNetworkUnavailable(String reason, String message) {
        return setCondition("True", reason, message);
    }

    /** The current {@code NetworkUnavailable} condition of the own node, if any. */
    public Optional<NodeCondition> networkCondition() {
        Node n = get();
        if (n.getStatus() == null || n.getStatus().getConditions() == null) return Optional.empty();
        return n.getStatus().getConditions().stream()
                .filter(c -> WeftKeys.CONDITION_NETWORK_UNAVAILABLE.equals(c.getType()))
                .findFirst();
    }

    // synchronized: two calls of one agent must not both read "no condition" and both append one (seen on a
    // real API server: the node then carried NetworkUnavailable twice, True and False, and kept its taint).
    private synchronized boolean setCondition(String status, String reason, String message) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Node node = get();
            List<NodeCondition> conds =
                    node.getStatus() == null || node.getStatus().getConditions() == null
                            ? List.of()
                            : node.getStatus().getConditions();
            List<Integer> ours = new ArrayList<>();
            for (int i = 0; i < conds.size(); i++) {
                if (WeftKeys.CONDITION_NETWORK_UNAVAILABLE.equals(conds.get(i).getType())) ours.add(i);
            }
            int index = ours.isEmpty() ? -1 : ours.getFirst();
            if (ours.size() == 1
                    && status.equals(conds.get(index).getStatus())
                    && reason.equals(conds.get(index).getReason())) {
                return false;
            }
            String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
            Map<String, Object> cond = new LinkedHashMap<>();
            cond.put("type", WeftKeys.CONDITION_NETWORK_UNAVAILABLE);
            cond.put("status", status);
            cond.put("reason", reason);
            cond.put("message", message);
            cond.put("lastTransitionTime", now);
            cond.put("lastHeartbeatTime", now);
            // A JSON patch touching only our condition: the kubelet owns the others and writes them concurrently.
            // "test" makes the patch fail (and us retry) if the list shifted since we read it.
            List<Map<String, Object>> ops = new ArrayList<>();
            if (index >= 0) {
                String path = "/status/conditions/" + index;
                ops.add(Map.of("op", "test", "path", path + "/type", "value", WeftKeys.CONDITION_NETWORK_UNAVAILABLE));
                ops.add(Map.of("op", "replace", "path", path, "value", cond));
                // Extra copies (left by an older agent that appended twice): removed from the end backwards,
                // each checked first so a shifted list fails the patch instead of losing a kubelet condition.
                for (int k = ours.size() - 1; k >= 1; k--) {
                    String extra = "/status/conditions/" + ours.get(k);
                    ops.add(Map.of(
                            "op", "test", "path", extra + "/type", "value", WeftKeys.CONDITION_NETWORK_UNAVAILABLE));
                    ops.add(Map.of("op", "remove", "path", extra));
                }
            } else if (!conds.isEmpty()) {
                // Append only to the list as read: if anyone changed it meanwhile (another writer may have
                // appended NetworkUnavailable too) the "test" fails and we re-read.
                ops.add(Map.of("op", "test", "path", "/status/conditions", "value", conds));
                ops.add(Map.of("op", "add", "path", "/status/conditions/-", "value", cond));
            } else {
                ops.add(Map.of("op", "add", "path", "/status/conditions", "value", List.of(cond)));
            }
            try {
                client.nodes()
                        .withName(nodeName)
                        .subresource("status")
                        .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(ops));
                log.info("node={} condition NetworkUnavailable={} reason={}", nodeName, status, reason);
                return true;
            } catch (KubernetesClientException e) {
                // 422: the "test" failed because the conditions moved; 409: a conflicting write. Re-read and retry.
                if (e.getCode() != 422 && e.getCode() != 409) {
                    throw K8sApiException.of("setting NetworkUnavailable=" + status + " on own node=" + nodeName, e);
                }
                log.debug("node={} conditions changed while patching (HTTP {}), retrying", nodeName, e.getCode());
            }
        }
        throw new K8sApiException(
                "setting NetworkUnavailable=" + status + " on own node=" + nodeName + " lost " + MAX_ATTEMPTS
                        + " races against other writers of the node status; will retry later",
                409,
                null);
    }
}
