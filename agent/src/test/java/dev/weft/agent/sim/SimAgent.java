package dev.weft.agent.sim;

import java.util.function.Consumer;

/**
 * What the simulation harness ({@link SimCluster}, {@link ChurnDriver}, {@link TrafficSample}) needs from one
 * simulated agent. The harness knows nothing of how an agent is assembled; {@link SimNodeAgent} runs the real
 * controller. CNI operations are asynchronous, as on a real node: the answer comes back later on the simulated clock.
 */
interface SimAgent {
    /** The agent's periodic tick (every {@link SimCluster#TICK_MS} ms, as the runtime's timer). */
    void tick();

    /** True once this agent is ready: it owns address space, its state is saved, its datapath is programmed. */
    boolean bootstrapped();

    /** This agent's encoded view of the shared IPAM state, compared across agents to decide convergence. */
    byte[] ringState();

    /** CNI ADD (allocate, plumb, wait for the host route); {@code done} gets true once the pod has its address. */
    void podAdd(String containerId, String ifName, Consumer<Boolean> done);

    /** CNI DEL; {@code done} gets true if the attachment had an address. */
    void podDel(String containerId, String ifName, Consumer<Boolean> done);

    /** Cumulative counters of this agent since it started. */
    TrafficSample counters();
}
