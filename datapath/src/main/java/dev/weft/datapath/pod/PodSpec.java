package dev.weft.datapath.pod;

import dev.weft.ipam.addr.IpAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * One pod attachment to plumb: the container id (for the host veth name), the path of the pod's
 * network namespace, the interface name inside it, the pod's address (gets a /32, or a /128 when IPv6), the
 * IPv6 address of a dual-stack pod (null otherwise) and the MTU.
 */
public record PodSpec(String containerId, Path netns, String ifName, IpAddress address, IpAddress addressV6, int mtu) {
    public PodSpec {
        if (mtu < 68 || mtu > 65535) throw new IllegalArgumentException("MTU out of range 68..65535: " + mtu);
        if (addressV6 != null && (addressV6.isIpv4() || !address.isIpv4()))
            throw new IllegalArgumentException(
                    "a dual-stack pod has one IPv4 and one IPv6 address, got " + address + " and " + addressV6);
    }

    /** A single-stack pod. */
    public PodSpec(String containerId, Path netns, String ifName, IpAddress address, int mtu) {
        this(containerId, netns, ifName, address, null, mtu);
    }

    /** Every address of the pod, the primary one first. */
    public List<IpAddress> addresses() {
        return addressV6 == null ? List.of(address) : List.of(address, addressV6);
    }
}
