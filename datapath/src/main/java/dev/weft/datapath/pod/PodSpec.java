package dev.weft.datapath.pod;

import dev.weft.ipam.addr.IpAddress;
import java.nio.file.Path;

/**
 * One pod attachment to plumb: the container id (for the host veth name), the path of the pod's
 * network namespace, the interface name inside it, the pod's address (gets a /32) and the MTU.
 */
public record PodSpec(String containerId, Path netns, String ifName, IpAddress address, int mtu) {
    public PodSpec {
        if (mtu < 68 || mtu > 65535) throw new IllegalArgumentException("MTU out of range 68..65535: " + mtu);
    }
}
