package dev.weft.agent.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;

import dev.weft.gossip.sim.SimNetwork;
import dev.weft.gossip.swim.SwimSettings;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A cluster of simulated agents on gossip's deterministic network ({@link SimNetwork}: one seeded random, one
 * simulated clock, no threads): node names {@code node-000..}, random 64-bit peer ids from the seed, nodes started
 * one after another, each joining up to {@link #JOIN_SEEDS} random earlier nodes (the agent's {@code --peers}), and
 * each agent ticked every {@link #TICK_MS} ms from its start, as the agent loop does.
 *
 * @param <A> the simulated agent
 */
final class SimCluster<A extends SimAgent> {
    /** The agent loop ticks once a second. */
    static final long TICK_MS = 1_000;
    /** Seed addresses given to each joining node. */
    static final int JOIN_SEEDS = 3;

    /** What a factory gets to build one agent: its member on the network, name, peer id and everybody's names. */
    record NodeSpec(SimNetwork net, SimNetwork.Node member, String nickname, long peerId, List<String> allNames) {}

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
    static <A extends SimAgent> SimCluster<A> start(long seed, int n, long staggerMs, SwimSettings settings,
                                                    AgentFactory<A> factory) {
        SimNetwork net = new SimNetwork(seed);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(String.format("node-%03d", i));
        }
        SimCluster<A> c = new SimCluster<>(net, List.copyOf(names));
        Random ids = new Random(seed ^ 0x5eedL);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                net.runFor(staggerMs * MS);
            }
            long peer;
            do {
                peer = ids.nextLong();
            } while (peer == 0);
            SimNetwork.Node member = net.addNode(String.format("%016x", peer), settings);
            A agent = factory.create(new NodeSpec(net, member, names.get(i), peer, c.names));
            c.agents.add(agent);
            List<InetSocketAddress> seeds = new ArrayList<>();
            for (int k = 0; k < Math.min(JOIN_SEEDS, i); k++) {
                InetSocketAddress a = net.nodes.get(net.rnd.nextInt(i)).address;
                if (!seeds.contains(a)) {
                    seeds.add(a);
                }
            }
            member.engine.join(seeds, answered -> {
            });
            c.tickEvery(agent, net.now);
        }
        return c;
    }

    private void tickEvery(A agent, long at) {
        net.at(at, () -> {
            agent.tick();
            tickEvery(agent, net.now + TICK_MS * MS);
        });
    }

    /** Every member sees every other as alive, every agent is bootstrapped and all hold the same ring. */
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
        long t = net.runUntil(this::settled, maxMs * MS, 100 * MS);
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
