package dev.weft.datapath.netlink;

/**
 * A network interface as dumped by the kernel. {@code kind} is the IFLA_INFO_KIND ("vxlan",
 * "veth", "bridge") or null for kind-less devices (lo); {@code mac} may be null; {@code vxlan} is
 * non-null only for vxlan devices; {@code masterIndex}/{@code linkIndex} are 0 when absent.
 */
public record Link(
        int index,
        String name,
        String kind,
        int flags,
        int mtu,
        MacAddress mac,
        int masterIndex,
        int linkIndex,
        VxlanInfo vxlan) {

    public boolean isUp() {
        return (flags & Rtnl.IFF_UP) != 0;
    }

    public boolean hasCarrier() {
        return (flags & Rtnl.IFF_LOWER_UP) != 0;
    }
}
