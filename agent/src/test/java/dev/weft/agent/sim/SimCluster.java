package dev.weft.agent.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;

import dev.weft.gossip.sim.SimNetwork;
import dev.weft.id.PeerId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A cluster of simulated agents on gossip's deterministic network ({@link SimNetwork}: one seeded random, one
 * simulated clock, no threads): node names {@code node-000..}, random peer ids from the seed, nodes started one
 * after another, each joining up to {@link #JOIN_SEEDS} random earlier nodes (the agent's {@code --peers}), and
 * each agent ticked every {@link #TICK_MS} ms from its start, as the runtime's timer does.
 *
 * @param <A> the simulated agent
 */
final class SimCluster<A extends SimAgent> {
    /** The runtime ticks the controller once a second. */
    static final long TICK_MS = 1_000;
    /** Seed addresses given to each joining node. */
    static final int JOIN_SEEDS = 3;

    /**
     * What a factory gets to build one agent: the network (the agent adds its own member, with its listener, under
     * {@code id}), its name, peer id, everybody's names, and a seeded random for the agent's own choices (disk and
     * kernel delays), apart from the network's so the agents' choices do not shift the network's.
     */
    record NodeSpec(SimNetwork net, PeerId id, String nickname, List<String> allNames, Random random) {}

    interface AgentFactory<A> {
        A create(NodeSpec spec);
    }

    final SimNetwork net;
    final List<String> names;
    final List<A> agents = new ArrayList<>();

    private SimCluster(SimNetwork net, List<String> names) {
        this.net = net;
        this.names = names;
    }

    /** Starts {@code n} agents, one every {@code staggerMs}; returns once the last one started (nothing settled yet). */
    static <A extends SimAgent> SimCluster<A> start(long seed, int n, long staggerMs, AgentFactory<A> factory) {
        SimNetwork net = new SimNetwork(seed);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(String.format("node-%03d", i));
        }
        SimCluster<A> c = new SimCluster<>(net, List.copyOf(names));
        Random ids = new Random(seed ^ 0x5eedL);
        Random agentRandom = new Random(seed ^ 0xa6e47L);
        List<PeerId> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                net.runFor(staggerMs * MS);
            }
            long peer;
            do {
                peer = ids.nextLong();
            } while (peer == 0);
            PeerId id = PeerId.of(peer);
            A agent = factory.create(new NodeSpec(net, id, names.get(i), c.names, new Random(agentRandom.nextLong())));
            c.agents.add(agent);
            List<PeerId> seeds = new ArrayList<>();
            for (int k = 0; k < Math.min(JOIN_SEEDS, i); k++) {
                PeerId s = started.get(net.random().nextInt(i));
                if (!seeds.contains(s)) {
                    seeds.add(s);
                }
            }
            started.add(id);
            if (!seeds.isEmpty()) {
                net.join(id, seeds.toArray(PeerId[]::new));
            }
            c.tickEvery(agent, net.now());
        }
        return c;
    }

    private void tickEvery(A agent, long at) {
        net.at(at, () -> {
            agent.tick();
            tickEvery(agent, net.now() + TICK_MS * MS);
        });
    }

    /** Every member sees every other as alive, every agent is ready and all hold the same ring. */
    boolean settled() {
        if (!net.converged()) {
            return false;
        }
        byte[] first = null;
        for (A a : agents) {
            if (!a.bootstrapped()) {
                return false;
            }
            byte[] r = a.ringState();
            if (first == null) {
                first = r;
            } else if (!Arrays.equals(first, r)) {
                return false;
            }
        }
        return true;
    }

    /** Runs until {@link #settled()} (checked every 100 ms) or {@code maxMs}; returns the simulated ms taken or -1. */
    long runUntilSettled(long maxMs) {
        return runUntil(this::settled, maxMs);
    }

    /** Runs until {@code cond} (checked every 100 ms) or {@code maxMs}; returns the simulated ms taken or -1. */
    long runUntil(java.util.function.BooleanSupplier cond, long maxMs) {
        long t = net.runUntil(cond, maxMs * MS, 100 * MS);
        return t < 0 ? -1 : t / MS;
    }

    TrafficSample totals() {
        TrafficSample s = TrafficSample.ZERO;
        for (A a : agents) {
            s = s.plus(a.counters());
        }
        return s;
    }
}
