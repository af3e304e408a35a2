package dev.weft.agent.cni;

import dev.weft.ipam.addr.IpAddress;

/**
 * What the CNI server needs from the kernel side: plumbing a pod's interface in and out.
 * Implemented over the datapath's netlink client by {@link DatapathPodNetwork}.
 */
public interface PodNetwork {

    /**
     * What to create for one attachment. {@code netns} is the path of the pod's network namespace; {@code addressV6}
     * the IPv6 address of a dual-stack pod (null otherwise).
     */
    record Attach(String containerId, String netns, String ifName, IpAddress address, IpAddress addressV6, int mtu) {
        /** A single-stack attachment. */
        public Attach(String containerId, String netns, String ifName, IpAddress address, int mtu) {
            this(containerId, netns, ifName, address, null, mtu);
        }
    }

    /** What was created: the host end and the pod end of the veth. */
    record Attached(String hostIfName, String hostMac, String podIfName, String podMac, int mtu) {}

    /**
     * Creates the veth (pod end named {@code ifName} inside {@code netns}), the pod's address, gateway
     * neighbour and routes. The host's route to the pod is not made here: the datapath's desired state owns it.
     * On failure leaves nothing behind.
     *
     * @throws PodNetworkException {@code INTERFACE_EXISTS} if {@code ifName} already exists in the pod,
     *     {@code NETNS_NOT_FOUND} if the namespace does not exist, {@code KERNEL} otherwise
     */
    Attached attach(Attach request) throws PodNetworkException;

    /**
     * Removes what {@link #attach} made. Succeeds when the namespace or interface is already gone, and
     * when {@code netns} is null or empty (then only the host side is cleaned up).
     */
    void detach(String containerId, String netns, String ifName) throws PodNetworkException;

    /** Verifies that what {@link #attach} made is still in place; {@code MISMATCH} names the difference. */
    void check(Attach request) throws PodNetworkException;

    /** The name of the host end of the veth of a container (deterministic: {@code weft} + hash). */
    String hostIfName(String containerId, String ifName);
}
