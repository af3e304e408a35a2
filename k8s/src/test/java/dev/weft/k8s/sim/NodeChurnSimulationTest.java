package dev.weft.k8s.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.GrantResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.ReclaimResult;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.store.InMemoryIpamStore;
import dev.weft.k8s.K8sConfig;
import dev.weft.k8s.Nodes;
import dev.weft.k8s.TestClock;
import dev.weft.k8s.WeftKeys;
import dev.weft.k8s.discovery.NodeDiscovery;
import dev.weft.k8s.discovery.NodeEvent;
import dev.weft.k8s.discovery.NodeEventListener;
import dev.weft.k8s.lock.BootstrapClaim;
import dev.weft.k8s.lock.BootstrapOutcome;
import dev.weft.k8s.lock.ReclaimLock;
import dev.weft.k8s.lock.ReclaimRecord;
import dev.weft.k8s.lock.RingBootstrap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node churn end to end, minus the network: Node objects come and go in the (mock) API server, the real
 * {@link NodeDiscovery} reports them, agents bootstrap the real IPAM ring through {@link RingBootstrap},
 * get space by donation, hand out pod addresses, and when a Node is deleted (and its peer is dead) every
 * live agent races for the {@link ReclaimLock}; the one winner reclaims with the real {@link IpamNode}.
 * Gossip is simulated by exchanging ring bytes between live agents until nothing changes.
 *
 * <p>After every step: all live agents hold the same ring, every address of the range is owned by a live
 * peer (no leaked space), every live pod's address lies in its own node's ranges, and no address in use by
 * a live pod was ever handed out again.
 */
@EnableKubernetesMockClient(crud = true)
class NodeChurnSimulationTest {
    KubernetesClient client;

    private static final Cidr RANGE = Cidr.parse("198.18.0.0/16");
    private static final int BLOCK = 64;
    private static final int CHURN_NODES = 50;
    private static final int MAX_LIVE_CHURN = 5;
    private static final int PODS_PER_NODE = 3;

    private final IpamConfig ipamConfig = IpamConfig.of(RANGE, BLOCK);
    private final TestClock clock = new TestClock(Instant.parse("2026-05-01T00:00:00Z"));
    private final Random random = new Random(20261125L);
    private final Map<Long, Agent> agents = new LinkedHashMap<>();
    /** Address of every live pod -> "node/container": an address handed out again while in here is a bug. */
    private final Map<IpAddress, String> inUse = new HashMap<>();

    private final BlockingQueue<NodeEvent> events = new LinkedBlockingQueue<>();
    private ExecutorService pool;
    private NodeDiscovery discovery;
    private long nowMillis;
    private int reclaimsDone;
    private long reclaimedAddresses;

    private final class Agent {
        final String node;
        final long peer;
        final String peerHex;
        final IpamNode ipam;
        final ReclaimLock lock;
        final List<String> pods = new ArrayList<>();
        boolean alive = true;
        int podSeq;

        Agent(String node, long peer) throws Exception {
            this.node = node;
            this.peer = peer;
            this.peerHex = PeerId.of(peer).toString();
            this.ipam = IpamNode.open(ipamConfig, new InMemoryIpamStore(), PeerId.of(peer), node);
            this.ipam.setLivenessView(p -> agents.containsKey(p.value()) && agents.get(p.value()).alive);
            this.lock = new ReclaimLock(client, K8sConfig.defaults(node), clock);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        pool = Executors.newFixedThreadPool(8);
        discovery = new NodeDiscovery(client, K8sConfig.defaults("observer"), Runnable::run, new NodeEventListener() {
            @Override
            public void onNodeEvent(NodeEvent event) {
                events.add(event);
            }
        });
        discovery.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() {
        discovery.close();
        pool.shutdownNow();
    }

    @Test
    void fiftyNodesComeAndGoWithoutLeakingOrReusingAddresses() throws Exception {
        addNode("base-0");
        addNode("base-1");
        List<Agent> churn = new ArrayList<>();
        for (int i = 0; i < CHURN_NODES; i++) {
            churn.add(addNode("churn-" + i));
            podChurn();
            while (churn.stream().filter(a -> a.alive).count() > MAX_LIVE_CHURN) {
                List<Agent> live = churn.stream().filter(a -> a.alive).toList();
                removeNode(live.get(random.nextInt(live.size())));
            }
        }
        for (Agent a : churn) {
            if (a.alive) removeNode(a);
        }

        // Only the two base nodes are left and they own the whole range between them.
        List<Agent> live = live();
        assertThat(live).extracting(a -> a.node).containsExactly("base-0", "base-1");
        Ring ring = live.getFirst().ipam.ring().orElseThrow();
        BigInteger owned = BigInteger.ZERO;
        for (Agent a : live)
            owned = owned.add(BigInteger.valueOf(ring.sizeByOwner().getOrDefault(a.peer, 0L)));
        assertThat(owned).isEqualTo(BigInteger.ONE.shiftLeft(32 - RANGE.prefixLength()));

        // Every dead node was reclaimed exactly once, and the record says by whom and what.
        assertThat(reclaimsDone).isEqualTo(CHURN_NODES);
        List<ReclaimRecord> records = live.getFirst().lock.list();
        assertThat(records).hasSize(CHURN_NODES);
        assertThat(records).allSatisfy(r -> assertThat(r.state()).isEqualTo(ReclaimRecord.State.DONE));
        assertThat(reclaimedAddresses)
                .as("churn nodes owned space that had to be reclaimed")
                .isPositive();
        assertThat(discovery.snapshot()).containsOnlyKeys("base-0", "base-1");
    }

    private List<Agent> live() {
        return agents.values().stream().filter(a -> a.alive).toList();
    }

    /** A node registers, its agent starts, announces its peer id, bootstraps or joins, gets space, runs pods. */
    private Agent addNode(String name) throws Exception {
        long peer;
        do {
            peer = random.nextLong();
        } while (peer == 0 || agents.containsKey(peer));
        Agent a = new Agent(name, peer);
        agents.put(peer, a);

        Node n = Nodes.node(name, "192.0.2." + (1 + agents.size() % 250), null);
        n.getMetadata().setAnnotations(Map.of(WeftKeys.PEER_ID, a.peerHex));
        client.nodes().resource(n).create();
        NodeEvent added = nextEventFor(name);
        assertThat(added).isInstanceOf(NodeEvent.Added.class);
        assertThat(added.node().peerId()).contains(a.peerHex);

        BootstrapOutcome o = new RingBootstrap(client, K8sConfig.defaults(name), clock)
                .claim(new BootstrapClaim(
                        a.peerHex,
                        name,
                        RANGE.toString(),
                        BLOCK,
                        List.of(),
                        a.ipam.ring().map(r -> r.genesis().id())));
        switch (o.role()) {
            case SEED -> a.ipam.bootstrapAsCreator(o.record().decisionToken());
            case JOIN -> a.ipam.expectGenesis(o.record().genesis());
            case RESUME -> throw new AssertionError("a new agent has no persisted ring");
        }
        assertThat(o.role() == BootstrapOutcome.Role.SEED).isEqualTo(name.equals("base-0"));
        gossipUntilQuiet();
        for (int k = 0; k < PODS_PER_NODE; k++) startPod(a);
        gossipUntilQuiet();
        checkInvariants();
        return a;
    }

    /** Some pods end and others start on random live nodes, so freed addresses get reused (legitimately). */
    private void podChurn() throws Exception {
        for (int k = 0; k < 3; k++) {
            List<Agent> live = live();
            Agent a = live.get(random.nextInt(live.size()));
            if (!a.pods.isEmpty()) {
                String pod = a.pods.remove(random.nextInt(a.pods.size()));
                IpAddress addr = a.ipam.lookup(pod, "eth0").orElseThrow();
                assertThat(a.ipam.release(pod, "eth0")).isTrue();
                inUse.remove(addr);
            }
            startPod(live.get(random.nextInt(live.size())));
        }
        gossipUntilQuiet();
        checkInvariants();
    }

    private void startPod(Agent a) throws Exception {
        String pod = a.node + "-pod-" + a.podSeq++;
        for (int attempt = 0; attempt < 5; attempt++) {
            AllocationResult r = a.ipam.allocate(pod, "eth0", nowMillis);
            if (r instanceof AllocationResult.Allocated got) {
                String previous = inUse.putIfAbsent(got.address(), a.node + "/" + pod);
                assertThat(previous)
                        .as("address %s handed to %s/%s is still in use by %s", got.address(), a.node, pod, previous)
                        .isNull();
                a.pods.add(pod);
                return;
            }
            gossipUntilQuiet(); // no space yet: let the space request be answered
        }
        throw new AssertionError("node " + a.node + " got no address for " + pod);
    }

    /** The node dies (its pods with it), its Node object is deleted, and the live agents reclaim its space. */
    private void removeNode(Agent dead) throws Exception {
        dead.alive = false; // dead in gossip
        for (String pod : dead.pods) inUse.remove(dead.ipam.lookup(pod, "eth0").orElseThrow());
        client.nodes().withName(dead.node).delete();
        NodeEvent ev = nextEventFor(dead.node);
        assertThat(ev).isInstanceOf(NodeEvent.Deleted.class);
        String deadHex = ev.node().peerId().orElseThrow();
        long deadPeer = PeerId.parse(deadHex).value();
        assertThat(deadPeer).isEqualTo(dead.peer);

        // Every live agent learns of the deletion at about the same time and tries to take the lock.
        List<Agent> live = live();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> tries = new ArrayList<>();
        for (Agent a : live) {
            Callable<Boolean> t = () -> {
                go.await();
                return a.lock.tryAcquireReclaim(deadHex, a.peerHex);
            };
            tries.add(pool.submit(t));
        }
        go.countDown();
        List<Agent> winners = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            if (tries.get(i).get(10, TimeUnit.SECONDS)) winners.add(live.get(i));
        }
        assertThat(winners).as("reclaim lock winners for %s", dead.node).hasSize(1);
        Agent w = winners.getFirst();
        ReclaimResult r = w.ipam.reclaim(PeerId.of(deadPeer));
        List<String> cidrs = r.taken().stream()
                .flatMap(x -> x.toCidrs().stream())
                .map(Cidr::toString)
                .toList();
        w.lock.markReclaimed(deadHex, w.peerHex, cidrs);
        reclaimsDone++;
        reclaimedAddresses += r.taken().stream().mapToLong(IpRange::sizeLong).sum();

        // A late agent (or a retry) never reclaims again.
        assertThat(live.getLast().lock.tryAcquireReclaim(deadHex, live.getLast().peerHex))
                .isFalse();
        gossipUntilQuiet();
        checkInvariants();
        assertThat(w.ipam.ring().orElseThrow().isRemoved(deadPeer)).isTrue();
    }

    private NodeEvent nextEventFor(String node) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            NodeEvent e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) throw new AssertionError("no node event for " + node + " within 10s");
            if (e.node().nodeName().equals(node)) return e;
        }
    }

    /** Simulated gossip: live agents exchange rings and answer space requests until nothing changes. */
    private void gossipUntilQuiet() throws Exception {
        for (int round = 0; round < 200; round++) {
            boolean changed = false;
            for (Agent from : live()) {
                Optional<byte[]> bytes = from.ipam.localRingBytes();
                if (bytes.isEmpty()) continue;
                for (Agent to : live()) {
                    if (to != from && to.ipam.applyRemoteRing(bytes.get()).changed()) changed = true;
                }
            }
            nowMillis += 10_000;
            for (Agent a : live()) {
                var req = a.ipam.spaceRequestIfNeeded(nowMillis);
                if (req.isEmpty()) continue;
                Agent donor = agents.get(req.get().getDonor());
                assertThat(donor.alive).as("space asked of a dead peer").isTrue();
                SpaceGrant grant = donor.ipam.handleSpaceRequest(req.get());
                GrantResult g = a.ipam.handleSpaceGrant(grant);
                changed = true;
                assertThat(g).as("grant from %s to %s", donor.node, a.node).isNotInstanceOf(GrantResult.Ignored.class);
            }
            if (!changed) return;
        }
        throw new AssertionError("gossip did not settle in 200 rounds");
    }

    private void checkInvariants() {
        List<Agent> live = live();
        Ring ring = live.getFirst().ipam.ring().orElseThrow();
        for (Agent a : live) {
            assertThat(a.ipam.ring()).as("ring of %s", a.node).contains(ring);
        }
        // No leaked space: every owned address belongs to a live peer, and everything is owned.
        BigInteger total = BigInteger.ZERO;
        for (var e : ring.sizeByOwner().entrySet()) {
            if (e.getValue() == 0) continue;
            Agent owner = agents.get(e.getKey());
            assertThat(owner)
                    .as("owner %s of %d addresses is a known peer", PeerId.of(e.getKey()), e.getValue())
                    .isNotNull();
            assertThat(owner.alive)
                    .as("space leaked to dead node %s", owner.node)
                    .isTrue();
            total = total.add(BigInteger.valueOf(e.getValue()));
        }
        assertThat(total).isEqualTo(BigInteger.ONE.shiftLeft(32 - RANGE.prefixLength()));
        // Every live pod's address lies in its own node's ranges.
        for (Agent a : live) {
            for (String pod : a.pods) {
                IpAddress addr = a.ipam.lookup(pod, "eth0").orElseThrow();
                assertThat(ring.ownerOf(addr))
                        .as("owner of %s (%s/%s)", addr, a.node, pod)
                        .hasValue(a.peer);
                assertThat(inUse).containsEntry(addr, a.node + "/" + pod);
            }
        }
    }
}
