package dev.weft.agent.cni;

import dev.weft.ipam.addr.IpAddress;
import java.io.IOException;
import java.util.Collection;
import java.util.Optional;

/**
 * What the CNI server needs from the node's address allocator. Keys are (container id, interface name);
 * every method is idempotent per key, and an answer is only returned once it is persisted.
 */
public interface CniIpam {

    /** The result of {@link #allocate}. */
    sealed interface Allocation {
        /** An address for the attachment; {@code fresh} is false when the key already had it (repeated ADD). */
        record Assigned(IpAddress address, boolean fresh) implements Allocation {}

        /**
         * The node has no free address. Usually it is still asking peers for space and the runtime's retry succeeds;
         * when the cluster range itself is full or out of this node's reach, {@code clusterShortage} says so (how
         * many addresses are in use, who holds the free ones) and {@code whatToDo} what an operator can do (both
         * null otherwise).
         */
        record NoSpaceYet(String reason, String clusterShortage, String whatToDo) implements Allocation {
            public NoSpaceYet(String reason) {
                this(reason, null, null);
            }
        }
    }

    /** Allocates (or returns the existing) address of the attachment. */
    Allocation allocate(String containerId, String ifName) throws IOException;

    /** The address of the attachment, if it has one. */
    Optional<IpAddress> lookup(String containerId, String ifName);

    /**
     * Dual stack: allocates (or returns the existing) IPv6 address of the attachment; empty on a single-stack node.
     * {@link #release} frees both families.
     */
    default Optional<Allocation> allocateV6(String containerId, String ifName) throws IOException {
        return Optional.empty();
    }

    /** Dual stack: the IPv6 address of the attachment, if it has one (always empty on a single-stack node). */
    default Optional<IpAddress> lookupV6(String containerId, String ifName) {
        return Optional.empty();
    }

    /** Releases the attachment's address; returns false when it had none (already released). */
    boolean release(String containerId, String ifName) throws IOException;

    /** Every attachment that currently holds an address (for CNI GC). */
    Collection<Attachment> attachments();

    /**
     * The pod's veth exists: returns once the node's route to the pod is in the kernel (the agent's desired state
     * owns that route, not the plumbing).
     *
     * @throws PodNetworkException {@code KERNEL} when the route could not be installed
     */
    default void awaitHostRoute(String containerId, String ifName) throws PodNetworkException {}

    /**
     * The agent is busy or not ready to answer now (its controller did not answer in time): the runtime should try
     * again later (CNI code 11). Any method may throw it.
     */
    final class Busy extends RuntimeException {
        public Busy(String message) {
            super(message);
        }
    }

    /** The key of an allocation. */
    record Attachment(String containerId, String ifName) {}
}
