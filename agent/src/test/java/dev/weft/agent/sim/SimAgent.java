package dev.weft.agent.sim;

/**
 * What the simulation harness ({@link SimCluster}, {@link ChurnDriver}, {@link TrafficSample}) needs from one
 * simulated agent. The harness knows nothing of how an agent joins gossip and IPAM; {@link SimNodeAgent} does
 * that the way the agent does it today, and a port to a reworked agent only has to implement this again.
 */
interface SimAgent {
    /** The agent's periodic tick (every {@link SimCluster#TICK_MS} ms, as the agent loop's). */
    void tick();

    /** True once this agent owns its address space and may hand out addresses (seed share claimed, synced). */
    boolean bootstrapped();

    /** This agent's encoded view of the shared IPAM state, compared across agents to decide convergence. */
    byte[] ringState();

    /** CNI ADD: true if the attachment got an address. */
    boolean podAdd(String containerId, String ifName);

    /** CNI DEL: true if the attachment had an address. */
    boolean podDel(String containerId, String ifName);

    /** Cumulative counters of this agent since it started. */
    TrafficSample counters();
}
