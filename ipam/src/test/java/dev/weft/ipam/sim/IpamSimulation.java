package dev.weft.ipam.sim;

import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.GrantResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.RingUpdate;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.store.InMemoryIpamStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * A deterministic simulation of many IPAM nodes exchanging ring deltas (published after every step
 * by the peers that changed their ring, forwarded by receivers that learned something, like gossip
 * does), occasional full rings (anti-entropy), space requests and grants through a simulated
 * network (random delay, loss, partitions), with pod churn, node restarts from persisted state,
 * joins, permanent deaths followed by reclaim, and reclaimed nodes coming back. Donor choice uses
 * free hints from the node records each peer last published (lazily, in gossip steps). Everything
 * derives from one seed. {@link #checkNoDuplicates()} runs after every step.
 */
final class IpamSimulation {
    static final List<String> SEEDS = List.of("seed-0", "seed-1", "seed-2", "seed-3", "seed-4");

    final long seed;
    final Random rnd;
    final IpamConfig config;
    final List<SimPeer> peers = new ArrayList<>();
    final PriorityQueue<Msg> inFlight = new PriorityQueue<>();
    final Map<IpAddress, String> podAddresses = new HashMap<>(); // every live pod in the cluster
    final Map<PeerId, Long> publishedFree = new HashMap<>(); // ipam_free of each node record as last gossiped
    long now;
    long seq;
    double loss = 0.05;
    Set<Integer> partitionA = null; // peers on one side; null = no partition
    final Stats stats = new Stats();

    static final class Stats {
        long steps;
        long allocations;
        long noSpace;
        long releases;
        long gossipDelivered;
        long deltasDelivered;
        long deltasForwarded;
        long ringBytesSent;
        long deltaBytesSent;
        long lost;
        long requests;
        long grants;
        long refusals;
        long restarts;
        long joins;
        long deaths;
        long reclaims;
        long removedRejoins;
        long partitions;
        int maxPods;

        @Override
        public String toString() {
            return "steps=" + steps + " allocations=" + allocations + " noSpace=" + noSpace + " releases=" + releases
                    + " ringDeliveries=" + gossipDelivered + " deltaDeliveries=" + deltasDelivered
                    + " deltasForwarded=" + deltasForwarded + " ringBytesSent=" + ringBytesSent
                    + " deltaBytesSent=" + deltaBytesSent + " lost=" + lost + " spaceRequests=" + requests + " grants="
                    + grants
                    + " refusals=" + refusals + " restarts=" + restarts + " joins=" + joins + " deaths=" + deaths
                    + " reclaims=" + reclaims + " removedRejoins=" + removedRejoins + " partitions=" + partitions
                    + " maxPods=" + maxPods;
        }
    }

    final class SimPeer {
        final int index;
        final String name;
        long id;
        InMemoryIpamStore store = new InMemoryIpamStore();
        IpamNode node; // null while down
        boolean dead; // permanently gone (node deleted); may come back as a zombie
        boolean reclaimed;
        boolean zombie; // came back from a stale disk after being reclaimed, has not found out yet
        final Set<AttachmentKey> pods = new HashSet<>();
        final List<String> history = new ArrayList<>();
        int podCounter;

        SimPeer(int index, String name) {
            this.index = index;
            this.name = name;
            this.id = newId();
        }

        boolean up() {
            return node != null && !dead;
        }

        void start(boolean fresh) throws IOException {
            node = IpamNode.open(config, store, PeerId.of(id), name);
            node.bootstrapFromSeeds(SEEDS);
            if (fresh && SEEDS.contains(name) && now == 0) {
                node.claimSeedShare(); // a cluster being created: nobody to sync with yet
            }
        }
    }

    sealed interface Payload permits RingBytes, DeltaBytes, Request, Grant {}

    record RingBytes(byte[] bytes) implements Payload {}

    record DeltaBytes(byte[] bytes, int hops) implements Payload {}

    record Request(byte[] bytes) implements Payload {}

    record Grant(byte[] bytes) implements Payload {}

    record Msg(long at, long seq, int from, int to, Payload payload) implements Comparable<Msg> {
        @Override
        public int compareTo(Msg o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    IpamSimulation(long seed, int initialPeers) {
        this(seed, initialPeers, Cidr.parse("10.32.0.0/18"));
    }

    /** On another range: a dual-stack cluster runs one ring per family, each like this one. */
    IpamSimulation(long seed, int initialPeers, Cidr range) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.config = IpamConfig.of(range, 16).withLowFreeWatermark(8).withSpaceRequestRetryMillis(200);
        try {
            for (int i = 0; i < initialPeers; i++) {
                SimPeer p = new SimPeer(i, i < SEEDS.size() ? SEEDS.get(i) : "node-" + i);
                peers.add(p);
                p.start(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long newId() {
        long id;
        do {
            id = rnd.nextLong();
        } while (id == 0);
        return id;
    }

    // ------------------------------------------------------------------ network

    void send(int from, int to, Payload p) {
        switch (p) {
            case RingBytes r -> stats.ringBytesSent += r.bytes().length;
            case DeltaBytes d -> stats.deltaBytesSent += d.bytes().length;
            default -> {}
        }
        if (rnd.nextDouble() < loss) {
            stats.lost++;
            return;
        }
        inFlight.add(new Msg(now + 1 + rnd.nextInt(40), seq++, from, to, p));
    }

    boolean partitioned(int a, int b) {
        return partitionA != null && partitionA.contains(a) != partitionA.contains(b);
    }

    void deliverDue() throws IOException {
        while (!inFlight.isEmpty() && inFlight.peek().at() <= now) {
            Msg m = inFlight.poll();
            SimPeer to = peers.get(m.to());
            if (!to.up() || partitioned(m.from(), m.to())) {
                stats.lost++;
                continue;
            }
            switch (m.payload()) {
                case RingBytes r -> {
                    stats.gossipDelivered++;
                    boolean was = to.node.isSynced();
                    applyRing(to, r.bytes());
                    if (!was && to.up() && to.node.isSynced()) {
                        Ring sent = dev.weft.ipam.ring.RingCodec.decode(r.bytes());
                        to.history.add(stats.steps + ":synced-by-" + peers.get(m.from()).name + "-sentAt-" + m.at()
                                + "-knowsTomb=" + sent.isRemoved(to.id) + "-ownsInOwnView="
                                + to.node.ring().get().rangesOwnedBy(to.id).size());
                    }
                }
                case DeltaBytes d -> {
                    stats.deltasDelivered++;
                    RingUpdate u = applyRemote(to, () -> to.node.applyRemoteDelta(d.bytes()));
                    if (u.selfRemoved()) {
                        rejoinAsNewPeer(to);
                    } else if (u.changed() && d.hops() < 6) {
                        // gossip passes on what was news to the receiver
                        stats.deltasForwarded++;
                        fanOut(to, new DeltaBytes(d.bytes(), d.hops() + 1), 2);
                    }
                }
                case Request r -> {
                    SpaceRequest req = SpaceMessages.decodeRequest(r.bytes());
                    SpaceGrant g = to.node.handleSpaceRequest(req);
                    if (g.getRefusal().isEmpty()) {
                        stats.grants++;
                    } else {
                        stats.refusals++;
                    }
                    send(m.to(), m.from(), new Grant(SpaceMessages.encode(g)));
                }
                case Grant g -> {
                    GrantResult res = to.node.handleSpaceGrant(SpaceMessages.decodeGrant(g.bytes()));
                    if (res instanceof GrantResult.Granted gr && gr.update().selfRemoved()) {
                        rejoinAsNewPeer(to);
                    }
                }
            }
        }
    }

    interface Apply {
        RingUpdate run() throws IOException;
    }

    void applyRing(SimPeer to, byte[] bytes) throws IOException {
        RingUpdate u = applyRemote(to, () -> to.node.applyRemoteRing(bytes));
        if (u.selfRemoved()) {
            rejoinAsNewPeer(to);
        }
    }

    RingUpdate applyRemote(SimPeer to, Apply apply) throws IOException {
        try {
            return apply.run();
        } catch (RuntimeException e) {
            throw new AssertionError(
                    "seed " + seed + " step " + stats.steps + ": peer " + to.name + " history "
                            + to.history.subList(Math.max(0, to.history.size() - 30), to.history.size()) + ": "
                            + e.getMessage(),
                    e);
        }
    }

    void fanOut(SimPeer from, Payload p, int k) {
        for (int i = 0; i < k; i++) {
            int to = rnd.nextInt(peers.size());
            if (to != from.index) {
                send(from.index, to, p);
            }
        }
    }

    /** Every peer that changed its ring publishes the delta (what the agent does after each event). */
    void publishDeltas() {
        for (SimPeer p : peers) {
            if (p.up() && p.node.hasOutgoingDelta()) {
                byte[] d = p.node.takeOutgoingDelta().orElseThrow();
                fanOut(p, new DeltaBytes(d, 0), 3);
            }
        }
    }

    /** What the agent does when it learns it was removed: discard, new id, start over. */
    void rejoinAsNewPeer(SimPeer p) throws IOException {
        if (!p.pods.isEmpty()) {
            throw new AssertionError(
                    "seed " + seed + ": peer " + p.name + " learned it was removed while it has pods " + p.pods);
        }
        p.node.discardState();
        p.id = newId();
        p.reclaimed = false;
        p.zombie = false;
        p.start(false);
        p.history.add(stats.steps + ":rejoined-as-" + Long.toHexString(p.id));
        stats.removedRejoins++;
    }

    // ------------------------------------------------------------------ events

    void step() throws IOException {
        now += 10;
        stats.steps++;
        deliverDue();
        int roll = rnd.nextInt(1000);
        if (roll < 300) {
            gossip();
        } else if (roll < 560) {
            allocate();
        } else if (roll < 700) {
            release();
        } else if (roll < 850) {
            tickSpace();
        } else if (roll < 880) {
            restart();
        } else if (roll < 900) {
            join();
        } else if (roll < 904) {
            die();
        } else if (roll < 925) {
            reclaimDead();
        } else if (roll < 932) {
            zombieReturns();
        } else if (roll < 940) {
            partitionOrHeal();
        } else {
            gossip();
        }
        publishDeltas();
        checkNoDuplicates();
    }

    SimPeer randomUp() {
        for (int tries = 0; tries < 20; tries++) {
            SimPeer p = peers.get(rnd.nextInt(peers.size()));
            if (p.up()) {
                return p;
            }
        }
        return null;
    }

    /**
     * A gossip round of one peer: it publishes its node record (the free hint) and, one time in four,
     * exchanges its full ring with one random peer (anti-entropy push-pull).
     */
    void gossip() {
        SimPeer p = randomUp();
        if (p == null) {
            return;
        }
        publishedFree.put(p.node.self(), p.node.localFree());
        if (p.node.localRingBytes().isEmpty() || rnd.nextInt(4) != 0) {
            return;
        }
        int to = rnd.nextInt(peers.size());
        if (to != p.index) {
            send(p.index, to, new RingBytes(p.node.localRingBytes().get()));
            SimPeer q = peers.get(to);
            if (q.up() && q.node.localRingBytes().isPresent()) {
                send(to, p.index, new RingBytes(q.node.localRingBytes().get()));
            }
        }
    }

    void allocate() throws IOException {
        SimPeer p = randomUp();
        if (p == null) {
            return;
        }
        AttachmentKey key = new AttachmentKey(p.name + "-" + p.id + "-pod" + (p.podCounter++), "eth0");
        AllocationResult r = p.node.allocate(key.containerId(), key.ifName(), now);
        switch (r) {
            case AllocationResult.Allocated a -> {
                String owner = p.name + ":" + key;
                String prev = podAddresses.putIfAbsent(a.address(), owner);
                if (prev != null) {
                    throw new AssertionError("seed " + seed + " step " + stats.steps + ": address " + a.address()
                            + " given to " + owner + " while " + prev + " holds it");
                }
                p.pods.add(key);
                p.history.add(stats.steps + ":alloc-" + a.address() + "-synced=" + p.node.isSynced());
                stats.allocations++;
                stats.maxPods = Math.max(stats.maxPods, podAddresses.size());
            }
            case AllocationResult.NoSpaceYet n -> {
                stats.noSpace++;
                n.request().ifPresent(req -> sendRequest(p, req));
            }
        }
    }

    void sendRequest(SimPeer p, SpaceRequest req) {
        stats.requests++;
        for (SimPeer d : peers) {
            if (d.id == SpaceMessages.donor(req).value()) {
                send(p.index, d.index, new Request(SpaceMessages.encode(req)));
                return;
            }
        }
    }

    void release() throws IOException {
        SimPeer p = randomUp();
        if (p == null || p.pods.isEmpty()) {
            return;
        }
        AttachmentKey key = p.pods.iterator().next();
        IpAddress a = p.node.lookup(key.containerId(), key.ifName()).orElseThrow();
        p.node.release(key.containerId(), key.ifName());
        p.pods.remove(key);
        podAddresses.remove(a);
        stats.releases++;
    }

    void tickSpace() {
        SimPeer p = randomUp();
        if (p == null) {
            return;
        }
        p.node.setLivenessView(id -> peers.stream().anyMatch(q -> q.id == id.value() && q.up()));
        p.node.spaceRequestIfNeeded(now, publishedFree).ifPresent(req -> sendRequest(p, req));
    }

    void restart() throws IOException {
        SimPeer p = randomUp();
        if (p == null) {
            return;
        }
        stats.restarts++;
        p.history.add(stats.steps + ":restart");
        p.node = null; // crash: in-memory state gone, pods keep running
        IpamNode reopened = IpamNode.open(config, p.store, PeerId.of(p.id), p.name);
        reopened.bootstrapFromSeeds(SEEDS);
        p.node = reopened;
        for (AttachmentKey k : p.pods) {
            if (reopened.lookup(k.containerId(), k.ifName()).isEmpty()) {
                throw new AssertionError(
                        "seed " + seed + ": pod " + k + " lost its address across a restart of " + p.name);
            }
        }
    }

    void join() throws IOException {
        if (peers.size() >= 80) {
            return;
        }
        SimPeer p = new SimPeer(peers.size(), "node-" + peers.size());
        peers.add(p);
        p.start(true);
        stats.joins++;
    }

    void die() {
        SimPeer p = randomUp();
        long live = peers.stream().filter(SimPeer::up).count();
        if (p == null || live < 10) {
            return;
        }
        // the node is deleted: its pods are gone with it
        for (AttachmentKey k : p.pods) {
            p.node.lookup(k.containerId(), k.ifName()).ifPresent(podAddresses::remove);
        }
        p.history.add(stats.steps + ":die");
        p.pods.clear();
        p.dead = true;
        stats.deaths++;
    }

    void reclaimDead() throws IOException {
        SimPeer reclaimer = randomUp();
        if (reclaimer == null || reclaimer.node.ring().isEmpty() || partitionA != null) {
            return;
        }
        for (SimPeer d : peers) {
            // the reclaim lock: exactly one peer reclaims a dead peer, once; and before it does, the
            // reclaimer pulls the ring of every live peer (a full push-pull round), so it knows every
            // token the dead peer created before dying (see the report: IPAM cannot detect a missing one)
            if (d.dead && !d.reclaimed && !reclaimer.node.ring().get().isRemoved(d.id)) {
                for (SimPeer q : peers) {
                    if (q != reclaimer && q.up() && q.node.localRingBytes().isPresent()) {
                        applyRing(reclaimer, q.node.localRingBytes().get());
                        if (!reclaimer.up()) {
                            return;
                        }
                    }
                }
                reclaimer.node.reclaim(PeerId.of(d.id));
                d.history.add(stats.steps + ":reclaimed-by-" + reclaimer.name);
                d.reclaimed = true;
                stats.reclaims++;
                return;
            }
        }
    }

    void zombieReturns() throws IOException {
        for (SimPeer d : peers) {
            // "reclaimed long ago": every live peer already knows the tombstone (see the report for the
            // residual risk when a reclaimed node returns before that)
            // One stale restore at a time: two reclaimed nodes restored together can convince each other
            // that their old view is current (documented residual risk).
            if (peers.stream().anyMatch(q -> q.zombie && q.up())) {
                return;
            }
            if (d.dead
                    && d.reclaimed
                    && peers.stream()
                            .filter(SimPeer::up)
                            .allMatch(q ->
                                    q.node.ring().map(r -> r.isRemoved(d.id)).orElse(true))) {
                // a reclaimed node boots again from its old disk: its containers are gone (CNI GC) and it
                // must find out from gossip that it was removed
                d.dead = false;
                d.node = IpamNode.open(config, d.store, PeerId.of(d.id), d.name);
                d.node.bootstrapFromSeeds(SEEDS);
                d.node.gc(List.of());
                d.history.add(stats.steps + ":zombie");
                d.zombie = true;
                return;
            }
        }
    }

    void partitionOrHeal() {
        if (partitionA != null) {
            partitionA = null;
            return;
        }
        partitionA = new HashSet<>();
        for (SimPeer p : peers) {
            if (rnd.nextBoolean()) {
                partitionA.add(p.index);
            }
        }
        stats.partitions++;
    }

    // ------------------------------------------------------------------ checks

    /** No address held by two pods; every node's pods lie in ranges it owns in its own ring view. */
    void checkNoDuplicates() {
        Set<IpAddress> seen = new HashSet<>();
        for (SimPeer p : peers) {
            if (p.node == null || p.dead) {
                continue;
            }
            Optional<Ring> ring = p.node.ring();
            List<IpRange> owned = ring.map(r -> r.rangesOwnedBy(p.id)).orElse(List.of());
            for (AttachmentKey k : p.pods) {
                IpAddress a = p.node.lookup(k.containerId(), k.ifName())
                        .orElseThrow(() -> new AssertionError("seed " + seed + ": pod " + k + " has no address"));
                if (!seen.add(a)) {
                    throw new AssertionError("seed " + seed + " step " + stats.steps + ": duplicate address " + a);
                }
                if (owned.stream().noneMatch(r -> r.contains(a))) {
                    throw new AssertionError("seed " + seed + " step " + stats.steps + ": pod " + k + " of " + p.name
                            + " holds " + a + " outside its owned ranges");
                }
            }
        }
        if (seen.size() != podAddresses.size()) {
            throw new AssertionError(
                    "seed " + seed + ": bookkeeping mismatch " + seen.size() + " vs " + podAddresses.size());
        }
    }

    /** Heals the network, revives nothing, and lets every live peer gossip to every other until quiet. */
    int healAndConverge() throws IOException {
        partitionA = null;
        loss = 0;
        // deliver everything still in flight
        now += 1000;
        deliverDue();
        int rounds = 0;
        boolean changed = true;
        while (changed) {
            if (++rounds > 50) {
                throw new AssertionError("seed " + seed + ": rings did not converge in 50 rounds");
            }
            changed = false;
            for (SimPeer from : peers) {
                if (!from.up() || from.node.localRingBytes().isEmpty()) {
                    continue;
                }
                byte[] bytes = from.node.localRingBytes().get();
                for (SimPeer to : peers) {
                    if (to != from && to.up()) {
                        RingUpdate u = to.node.applyRemoteRing(bytes);
                        if (u.selfRemoved()) {
                            rejoinAsNewPeer(to);
                            changed = true;
                        }
                        changed |= u.changed();
                    }
                }
            }
            checkNoDuplicates();
        }
        return rounds;
    }

    List<Ring> liveRings() {
        List<Ring> out = new ArrayList<>();
        for (SimPeer p : peers) {
            if (p.up()) {
                p.node.ring().ifPresent(out::add);
            }
        }
        return out;
    }

    long livePeers() {
        return peers.stream().filter(SimPeer::up).count();
    }
}
