package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The simulated cluster: agents on one simulated clock (the gossip network's), the pods the CNI runtime started and
 * the invariants checked after every step. Single-threaded and deterministic from the seed.
 */
final class SimWorld {
    static final Cidr RANGE = Cidr.parse("198.18.0.0/16");
    static final int BLOCK = 16;

    /** A pod whose ADD was answered (and whose DEL has not started). */
    record Pod(SimAgent agent, PeerId owner, AttachmentKey key, IpAddress address) {}

    static final class Stats {
        long adds;
        long dels;
        long noSpace;
        long fsyncs;
        long kills;
        long restarts;
        long partitions;
        long rmpeers;
        long checks;
    }

    final SplittableRandom random;
    final SimGossip gossip;
    final List<SimAgent> agents = new ArrayList<>();
    final Map<AttachmentKey, Pod> pods = new HashMap<>();
    final Stats stats = new Stats();
    final List<String> seeds = new ArrayList<>();
    private long podCounter;

    SimWorld(long seed) {
        this.random = new SplittableRandom(seed);
        this.gossip = new SimGossip(seed, this);
    }

    long nowMs() {
        return gossip.nowNanos() / 1_000_000;
    }

    /** Runs {@code r} at the current simulated time, after the running event (never re-entering it). */
    void now(Runnable r) {
        gossip.at(gossip.nowNanos(), r);
    }

    void later(long ms, Runnable r) {
        gossip.at(gossip.nowNanos() + ms * 1_000_000, r);
    }

    long diskDelayMs() {
        return 1 + random.nextInt(20);
    }

    long kernelDelayMs() {
        return 1 + random.nextInt(10);
    }

    SimAgent addAgent(String name) {
        SimAgent a = new SimAgent(this, name, agents.size(), PeerId.random(random));
        agents.add(a);
        return a;
    }

    List<SimAgent> up() {
        return agents.stream().filter(a -> a.up).toList();
    }

    /** The CNI runtime adds a pod on {@code a}: allocate, plumb, wait for the host route. */
    void addPod(SimAgent a) {
        AttachmentKey key = new AttachmentKey(String.format("c%08d", ++podCounter), "eth0");
        long gen = a.incarnation;
        a.controller.onAllocate(key, reply(r -> {
            if (!(r instanceof AllocationResult.Allocated al)) {
                stats.noSpace++;
                return;
            }
            if (!a.up || a.incarnation != gen) return;
            a.plumb(key);
            a.controller.onPodPlumbed(key, reply(v -> {
                stats.adds++;
                pods.put(key, new Pod(a, a.id, key, al.address()));
            }));
        }));
    }

    /** The CNI runtime deletes a pod: it stops using its address at once, then the agent releases it. */
    void delPod(Pod p) {
        pods.remove(p.key());
        p.agent().unplumb(p.key());
        p.agent().controller.onRelease(p.key(), reply(released -> stats.dels++));
    }

    /** A reply handled after the controller's current event (the controller is never re-entered). */
    <T> Reply<T> reply(java.util.function.Consumer<T> ok) {
        return new Reply<>() {
            @Override
            public void ok(T value) {
                now(() -> ok.accept(value));
            }

            @Override
            public void fail(Failure f) {
                // a busy or failing agent: the runtime retries later (a new pod in this simulation)
            }
        };
    }
}
