package dev.weft.agent.runtime;

import dev.weft.agent.Version;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.core.ControllerSnapshot;
import dev.weft.agent.core.NodeFacts;
import dev.weft.agent.core.PeerTable;
import dev.weft.agent.core.ReclaimLeaseAnswer;
import dev.weft.agent.core.Reply;
import dev.weft.agent.state.Identity;
import dev.weft.gossip.GossipNode;
import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.ring.Tombstone;
import dev.weft.k8s.K8sClients;
import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.discovery.NodeDiscovery;
import dev.weft.k8s.discovery.NodeEvent;
import dev.weft.k8s.discovery.NodePeer;
import dev.weft.k8s.lock.BootstrapClaim;
import dev.weft.k8s.lock.BootstrapOutcome;
import dev.weft.k8s.lock.ReclaimCandidates;
import dev.weft.k8s.lock.ReclaimLock;
import dev.weft.k8s.lock.RingBootstrap;
import dev.weft.k8s.node.OwnNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent in a Kubernetes cluster (DESIGN §8): ring bootstrap decided by an atomic create in the API server,
 * peers discovered from Node objects, the own Node annotated and its NetworkUnavailable condition kept true to
 * the agent's readiness, and the ranges of deleted, dead nodes reclaimed by exactly one agent (a Lease lock).
 * API calls run on worker threads; this role's own state (node events, reclaim candidates) lives on its one timer
 * thread; it reads the controller's snapshot and asks the controller to reclaim through an event.
 */
final class KubernetesIntegration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesIntegration.class);
    private static final long RECLAIM_RETRY_MS = 10_000;

    private final AgentConfig config;
    private final Identity identity;
    private final java.util.concurrent.ScheduledExecutorService timer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("weft-k8s").daemon().factory());
    private ControllerLoop loop;
    private final ExecutorService workers;
    private final KubernetesClient client;
    private final K8sConfig k8s;
    private final OwnNode ownNode;
    private final ReclaimLock reclaimLock;
    private final ReclaimCandidates candidates = new ReclaimCandidates();
    private final Map<String, Long> reclaimAttempts = new HashMap<>();
    private final Set<String> joined = new HashSet<>();
    private NodeDiscovery discovery;
    private final Map<String, NodePeer> nodes = new HashMap<>(); // this role's thread
    private boolean nodesListed;
    private Boolean announcedReady;

    KubernetesIntegration(AgentConfig config, Identity identity, ExecutorService workers) {
        this(config, identity, workers, K8sClients.create(Version.get(), workers));
    }

    /** With a given client (tests use fabric8's mock API server). */
    KubernetesIntegration(AgentConfig config, Identity identity, ExecutorService workers, KubernetesClient client) {
        this.config = config;
        this.identity = identity;
        this.workers = workers;
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("WEFT_NODE_NAME", config.nodeName());
        this.k8s = K8sConfig.fromEnvironment(env);
        this.client = client;
        this.ownNode = new OwnNode(client, k8s, Clock.systemUTC());
        this.reclaimLock = new ReclaimLock(client, k8s, Clock.systemUTC());
    }

    /** podCIDR mode: this node's IPv4 {@code spec.podCIDR(s)}, read from the API server. */
    Optional<String> ownPodCidr() {
        return ownNode.podCidrs().stream().filter(c -> c.contains(".")).findFirst();
    }

    /** podCIDR mode, dual stack: this node's IPv6 entry of {@code spec.podCIDRs}. */
    Optional<String> ownPodCidrV6() {
        return ownNode.podCidrs().stream().filter(c -> c.contains(":")).findFirst();
    }

    /**
     * Dual stack: the IPv6 ring is bootstrapped like the IPv4 one, by the agent that created the cluster's IPv4 ring
     * (the same API-server decision, so one creator per cluster): the creator seeds it, every other agent accepts
     * only the creator's IPv6 ring. Call after {@link #bootstrapRing}.
     */
    void bootstrapRingV6(IpamNode ipamV6) throws IOException {
        if (ipamV6.ring().isPresent()) return; // persisted: resume with it
        BootstrapOutcome o = new RingBootstrap(client, k8s, Clock.systemUTC())
                .claim(new BootstrapClaim(
                        identity.peerId().toString(),
                        config.nodeName(),
                        config.clusterRange(),
                        config.blockSize(),
                        config.ipamSeeds(),
                        Optional.empty()));
        String token = o.record().decisionToken() + ":v6";
        PeerId creator = PeerId.parse(o.record().creatorPeerId());
        if (creator.equals(identity.peerId())) {
            ipamV6.bootstrapAsCreator(token);
            log.atInfo()
                    .addKeyValue("range", config.clusterRangeV6())
                    .log("this agent created the cluster's IPv6 IPAM ring");
        } else {
            ipamV6.expectGenesis(dev.weft.ipam.ring.RingGenesis.creator(creator, token));
        }
    }

    /** Before gossip starts: seed the ring if this agent wins the atomic create, else accept only the cluster's ring. */
    void bootstrapRing(IpamNode ipam) throws IOException {
        BootstrapOutcome o = new RingBootstrap(client, k8s, Clock.systemUTC())
                .claim(new BootstrapClaim(
                        identity.peerId().toString(),
                        config.nodeName(),
                        config.clusterRange(),
                        config.blockSize(),
                        config.ipamSeeds(),
                        ipam.ring().map(r -> r.genesis().id())));
        switch (o.role()) {
            case SEED -> {
                ipam.bootstrapAsCreator(o.record().decisionToken());
                log.atInfo()
                        .addKeyValue("range", config.clusterRange())
                        .log("this agent created the cluster's IPAM ring (first to claim it in the API server)");
            }
            case JOIN -> {
                ipam.expectGenesis(o.record().genesis());
                log.atInfo().addKeyValue("creator", o.creatorPeerId()).log("joining the cluster's IPAM ring");
            }
            default -> log.atInfo().log("resuming with the persisted IPAM ring");
        }
    }

    /** After gossip started: announce this node and follow Node objects. */
    void start(ControllerLoop loop, GossipNode gossip) {
        this.loop = loop;
        workers.execute(() -> {
            try {
                ownNode.announce(identity.peerId().toString(), Version.get());
            } catch (RuntimeException e) {
                log.atWarn()
                        .log("could not annotate this node with its peer id: " + e.getMessage()
                                + "; check the RBAC of the weft ServiceAccount");
            }
        });
        discovery = new NodeDiscovery(client, k8s, workers, new dev.weft.k8s.discovery.NodeEventListener() {
            @Override
            public void onNodeEvent(NodeEvent e) {
                timer.execute(() -> {
                    candidates.onNodeEvent(e);
                    nodesChanged(e);
                    NodePeer n = switch (e) {
                        case NodeEvent.Added a -> a.node();
                        case NodeEvent.Updated u -> u.node();
                        case NodeEvent.Deleted d -> null;
                    };
                    if (n != null && !n.nodeName().equals(config.nodeName())) {
                        n.address().ifPresent(addr -> {
                            if (joined.add(n.nodeName() + "/" + addr.getHostAddress())) {
                                gossip.join(List.of(new InetSocketAddress(addr, config.gossipPort())));
                            }
                        });
                    }
                });
            }
        });
        discovery.start().whenComplete((v, err) -> {
            if (err != null)
                log.atError()
                        .log("cannot list Nodes: " + err.getMessage() + "; check the RBAC of the weft ServiceAccount");
            else {
                log.atInfo().log("following Node objects for peer discovery");
                timer.execute(() -> {
                    nodesListed = true;
                    publishNodes();
                });
            }
        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        tick(loop.snapshot(), AgentRuntime.monotonicMillis());
                    } catch (RuntimeException e) {
                        log.atError().setCause(e).log("Kubernetes tick failed; continuing: " + e);
                    }
                },
                1,
                1,
                java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Every second on this role's thread: keep the Node condition true to readiness, reclaim deleted dead nodes. */
    void tick(ControllerSnapshot snapshot, long nowMs) {
        boolean ready = snapshot.ready();
        if (announcedReady == null || announcedReady != ready) {
            announcedReady = ready;
            wantedCondition = new WantedCondition(ready, ready ? "" : String.join("; ", snapshot.problems()));
            workers.execute(this::publishCondition);
        }
        for (PeerTable.Peer p : snapshot.peers()) {
            if (p.member().state() == MemberState.DEAD) candidates.onPeerDead(p.id().toString());
            else if (p.member().state() == MemberState.ALIVE) candidates.onPeerAlive(p.id().toString());
        }
        if (loop != null)
            loop.post("reclaim lease checks", c -> {
                List<Tombstone> wanted = c.reclaimLeasesWanted();
                if (!wanted.isEmpty()) workers.execute(() -> checkReclaimLeases(wanted));
            });
        for (ReclaimCandidates.Candidate c : candidates.due()) {
            Long last = reclaimAttempts.get(c.peerId());
            if (last != null && nowMs - last < RECLAIM_RETRY_MS) continue;
            reclaimAttempts.put(c.peerId(), nowMs);
            workers.execute(() -> reclaim(c));
        }
    }

    /** On this role's thread: keeps the Nodes by name and, once listed, hands the controller those with a peer id. */
    private void nodesChanged(NodeEvent e) {
        switch (e) {
            case NodeEvent.Added a -> nodes.put(a.node().nodeName(), a.node());
            case NodeEvent.Updated u -> nodes.put(u.node().nodeName(), u.node());
            case NodeEvent.Deleted d -> nodes.remove(d.node().nodeName());
        }
        if (nodesListed) publishNodes();
    }

    private void publishNodes() {
        Map<PeerId, NodeFacts> byPeer = new HashMap<>();
        for (NodePeer n : nodes.values()) {
            n.peerId()
                    .flatMap(PeerId::tryParse)
                    .ifPresent(id -> byPeer.put(id, new NodeFacts(n.nodeName(), n.addresses(), n.podCidrs())));
        }
        loop.post("nodes", c -> c.onNodes(byPeer));
    }

    /** On a worker: reads the reclaim Lease of each tombstone's removed peer and answers the controller. */
    private void checkReclaimLeases(List<Tombstone> wanted) {
        for (Tombstone t : wanted) {
            try {
                ReclaimLeaseAnswer a = reclaimLock
                        .read(t.removedPeer().toString())
                        .map(r -> r.holderPeerId().equals(t.reclaimedBy().toString())
                                ? ReclaimLeaseAnswer.NAMES_RECLAIMER
                                : ReclaimLeaseAnswer.NAMES_OTHER)
                        .orElse(ReclaimLeaseAnswer.MISSING);
                loop.post("reclaim lease answer", c -> c.onReclaimLease(t, a));
            } catch (RuntimeException e) {
                log.atWarn()
                        .addKeyValue("peer", t.removedPeer())
                        .log("could not read the reclaim Lease to check a tombstone (" + t + "): " + e.getMessage()
                                + "; the ring update stays refused and is checked again when it comes back");
            }
        }
    }

    private record WantedCondition(boolean ready, String why) {}

    /** Set on this role's thread in readiness order; workers may run out of order, so each publishes the latest. */
    private volatile WantedCondition wantedCondition;

    private void publishCondition() {
        synchronized (ownNode) {
            WantedCondition w = wantedCondition;
            try {
                if (w.ready()) ownNode.markNetworkAvailable();
                else ownNode.markNetworkUnavailable("WeftNotReady", w.why());
            } catch (RuntimeException e) {
                log.atWarn()
                        .log("could not update the NetworkUnavailable condition: " + e.getMessage() + "; will retry");
                timer.execute(() -> announcedReady = null);
            }
        }
    }

    private void reclaim(ReclaimCandidates.Candidate c) {
        try {
            if (!reclaimLock.tryAcquireReclaim(c.peerId(), identity.peerId().toString()))
                return; // another agent does it
            java.util.concurrent.CompletableFuture<List<String>> done = new java.util.concurrent.CompletableFuture<>();
            PeerId target = PeerId.parse(c.peerId());
            loop.post(
                    "reclaim",
                    ctl -> ctl.onReclaimDead(target, new Reply<>() {
                        @Override
                        public void ok(List<String> value) {
                            done.complete(value);
                        }

                        @Override
                        public void fail(Failure f) {
                            done.completeExceptionally(new IllegalStateException(f.message()));
                        }
                    }));
            List<String> ranges = done.get(10, java.util.concurrent.TimeUnit.SECONDS);
            reclaimLock.markReclaimed(c.peerId(), identity.peerId().toString(), ranges);
            timer.execute(() -> candidates.onHandled(c.peerId()));
        } catch (Exception e) {
            log.atWarn()
                    .addKeyValue("peer", c.peerId())
                    .addKeyValue("node", c.nodeName())
                    .log("reclaim of a deleted node's ranges failed, will retry: " + e.getMessage());
        }
    }

    Optional<String> status() {
        return Optional.ofNullable(discovery).map(d -> d.status().toString());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (discovery != null) discovery.close();
        client.close();
    }
}
