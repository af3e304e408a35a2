package dev.weft.datapath.netlink;

import java.net.InetAddress;

/** VXLAN parameters of a link as the kernel reports them. {@code local} may be null. */
public record VxlanInfo(int vni, int port, InetAddress local, int underlayIndex, boolean learning) {}
