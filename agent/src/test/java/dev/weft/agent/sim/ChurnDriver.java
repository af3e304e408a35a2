package dev.weft.agent.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;

import dev.weft.gossip.sim.SimNetwork;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Pod churn on every agent: {@code opsPerSecond} CNI operations per node per second, alternating ADD of a new
 * attachment and DEL of a random existing one, so each node's population stays at {@code pods} (+1 between an ADD
 * and the next DEL). Each node's operations are evenly spaced with a random phase; container ids are 64 random hex
 * digits as a runtime makes them. An ADD counts into the population once the agent answered it (a DEL only picks
 * answered pods). Deterministic (its own seeded random, the network's clock).
 */
final class ChurnDriver {
    static final String IF_NAME = "eth0";

    private final SimNetwork net;
    private final Random rnd;
    private final List<? extends SimAgent> agents;
    private final List<List<String>> pods = new ArrayList<>();
    private final boolean[] nextIsAdd;
    private boolean running;
    private long generation;
    private int inFlight;
    private int prefillFailures;

    ChurnDriver(SimNetwork net, long seed, List<? extends SimAgent> agents) {
        this.net = net;
        this.rnd = new Random(seed ^ 0xc0ffeeL);
        this.agents = agents;
        this.nextIsAdd = new boolean[agents.size()];
        for (int i = 0; i < agents.size(); i++) {
            pods.add(new ArrayList<>());
            nextIsAdd[i] = true;
        }
    }

    /** Starts {@code count} ADDs on every node at once; run the network until {@link #quiet()} for the answers. */
    void prefill(int count) {
        for (int i = 0; i < agents.size(); i++) {
            for (int k = pods.get(i).size(); k < count; k++) {
                String id = containerId();
                int node = i;
                inFlight++;
                agents.get(i).podAdd(id, IF_NAME, ok -> {
                    inFlight--;
                    if (ok) {
                        pods.get(node).add(id);
                    } else {
                        prefillFailures++;
                    }
                });
            }
        }
    }

    /** No CNI operation is waiting for its answer. */
    boolean quiet() {
        return inFlight == 0;
    }

    /** ADDs of the prefill that were refused. */
    int prefillFailures() {
        return prefillFailures;
    }

    /** Starts churn at {@code opsPerSecond} per node (0 does nothing). */
    void start(double opsPerSecond) {
        if (opsPerSecond <= 0) {
            return;
        }
        running = true;
        long gen = ++generation;
        long period = (long) (1000 * MS / opsPerSecond);
        for (int i = 0; i < agents.size(); i++) {
            int node = i;
            schedule(node, net.now() + (long) (rnd.nextDouble() * period), period, gen);
        }
    }

    void stop() {
        running = false;
    }

    int population(int node) {
        return pods.get(node).size();
    }

    private void schedule(int node, long at, long period, long gen) {
        net.at(at, () -> {
            if (!running || gen != generation) {
                return;
            }
            step(node);
            schedule(node, net.now() + period, period, gen);
        });
    }

    private void step(int node) {
        List<String> mine = pods.get(node);
        SimAgent agent = agents.get(node);
        if (nextIsAdd[node] || mine.isEmpty()) {
            String id = containerId();
            inFlight++;
            agent.podAdd(id, IF_NAME, ok -> {
                inFlight--;
                if (ok) {
                    mine.add(id);
                }
            });
            nextIsAdd[node] = false;
        } else {
            String id = mine.remove(rnd.nextInt(mine.size()));
            inFlight++;
            agent.podDel(id, IF_NAME, released -> inFlight--);
            nextIsAdd[node] = true;
        }
    }

    private String containerId() {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
