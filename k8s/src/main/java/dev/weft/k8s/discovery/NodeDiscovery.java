package dev.weft.k8s.discovery;

import dev.weft.k8s.K8sConfig;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the cluster's Node objects and turns them into {@link NodeEvent}s.
 *
 * <p>A fabric8 informer lists and watches {@code nodes} (verbs {@code list} and {@code watch}); it re-lists
 * by itself after a broken watch, and a re-list that finds nodes gone produces deletions. Every
 * {@link K8sConfig#resyncPeriod()} the informer re-offers each node; an offer that changes nothing Weft uses
 * is counted and dropped. A node whose uid changed (deleted and re-created under the same name while the
 * watch was down) becomes a {@link NodeEvent.Deleted} followed by an {@link NodeEvent.Added}.
 *
 * <p>Threads: the informer runs on the client's own executor (set by whoever builds the
 * {@link KubernetesClient}); events are handed to the listener on {@code deliveryExecutor}, one at a time,
 * in order.
 */
public final class NodeDiscovery implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeDiscovery.class);

    private final KubernetesClient client;
    private final AddressPreference preference;
    private final long resyncMillis;
    private final Executor delivery;
    private final NodeEventListener listener;

    // Guarded by "this": the view that events are computed against.
    private final Map<String, NodePeer> known = new HashMap<>();
    private boolean synced;
    private long added;
    private long updated;
    private long deleted;
    private long ignored;
    private long apiErrors;

    private SharedIndexInformer<Node> informer;

    public NodeDiscovery(
            KubernetesClient client, K8sConfig config, Executor deliveryExecutor, NodeEventListener listener) {
        this.client = Objects.requireNonNull(client, "client");
        this.preference = config.addressPreference();
        this.resyncMillis = config.resyncPeriod().toMillis();
        this.delivery = new SerialDelivery(Objects.requireNonNull(deliveryExecutor, "deliveryExecutor"));
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Starts listing and watching. The returned stage completes once the initial list has been
     * delivered (after {@link NodeEventListener#onSynced}). While the API server refuses (e.g. RBAC does
     * not allow {@code list nodes}) the informer retries with backoff, logs each failure and counts it in
     * {@link DiscoveryStatus#apiErrors()}; the stage completes exceptionally only if it gives up.
     */
    public synchronized CompletionStage<Void> start() {
        if (informer != null) throw new IllegalStateException("already started");
        informer = client.nodes().runnableInformer(resyncMillis);
        informer.addEventHandler(new Handler());
        // Keep trying, also when the very first list fails (fabric8 would give up by default): an operator
        // can fix RBAC or connectivity while the agent waits. Only undecodable objects stop the informer.
        informer.exceptionHandler((started, t) -> {
            boolean retry = !ExceptionHandler.isDeserializationException(t);
            synchronized (this) {
                apiErrors++;
            }
            log.warn(
                    "listing/watching nodes failed ({}); {}: {}",
                    started ? "while running" : "initial list",
                    retry ? "retrying with backoff" : "giving up: the API server sent an undecodable Node",
                    t.toString());
            return retry;
        });
        CompletableFuture<Void> done = new CompletableFuture<>();
        informer.start().whenComplete((v, err) -> {
            if (err != null) {
                log.warn("listing nodes failed; discovery retries in the background: {}", err.toString());
                done.completeExceptionally(err);
                return;
            }
            // Handler notifications may still be in flight: make sure everything in the store has been
            // seen (duplicates are suppressed), then announce the sync in the same ordered stream.
            for (Node n : informer.getStore().list()) upsert(n);
            Map<String, NodePeer> view;
            synchronized (this) {
                synced = true;
                view = new TreeMap<>(known);
            }
            log.info("node discovery synced nodes={}", view.size());
            delivery.execute(() -> {
                listener.onSynced(view);
                done.complete(null);
            });
        });
        return done;
    }

    /** The nodes as currently known (a copy, sorted by name). */
    public synchronized Map<String, NodePeer> snapshot() {
        return new TreeMap<>(known);
    }

    public synchronized DiscoveryStatus status() {
        int noAddr = (int)
                known.values().stream().filter(p -> p.addresses().isEmpty()).count();
        return new DiscoveryStatus(synced, known.size(), noAddr, added, updated, deleted, ignored, apiErrors);
    }

    @Override
    public synchronized void close() {
        if (informer != null) {
            informer.stop();
        }
    }

    /** Applies an added or changed Node (what the informer calls); package-private for tests. */
    void upsert(Node node) {
        NodePeer now = NodePeers.fromNode(node, preference);
        if (now.nodeName().isEmpty()) return;
        List<NodeEvent> out;
        synchronized (this) {
            NodePeer before = known.put(now.nodeName(), now);
            if (before == null) {
                added++;
                out = List.of(new NodeEvent.Added(now));
            } else if (!before.uid().equals(now.uid())
                    && !before.uid().isEmpty()
                    && !now.uid().isEmpty()) {
                deleted++;
                added++;
                out = List.of(new NodeEvent.Deleted(before), new NodeEvent.Added(now));
            } else if (!before.equals(now)) {
                updated++;
                out = List.of(new NodeEvent.Updated(before, now));
            } else {
                ignored++;
                out = List.of();
            }
            // Enqueue while holding the lock so the delivery order equals the order of the view changes.
            for (NodeEvent e : out) deliver(e);
        }
    }

    /** Applies a deleted Node; package-private for tests. */
    void remove(Node node) {
        String name = node.getMetadata() == null ? null : node.getMetadata().getName();
        if (name == null) return;
        synchronized (this) {
            NodePeer last = known.remove(name);
            if (last == null) return;
            deleted++;
            deliver(new NodeEvent.Deleted(last));
        }
    }

    private void deliver(NodeEvent e) {
        switch (e) {
            case NodeEvent.Added a -> log.info("node added {}", a.node());
            case NodeEvent.Updated u -> log.info("node changed {} (was {})", u.node(), u.previous());
            case NodeEvent.Deleted d -> log.info("node deleted {}", d.node());
        }
        delivery.execute(() -> listener.onNodeEvent(e));
    }

    private final class Handler implements ResourceEventHandler<Node> {
        @Override
        public void onAdd(Node obj) {
            upsert(obj);
        }

        @Override
        public void onUpdate(Node oldObj, Node newObj) {
            upsert(newObj);
        }

        @Override
        public void onDelete(Node obj, boolean deletedFinalStateUnknown) {
            remove(obj);
        }
    }
}
