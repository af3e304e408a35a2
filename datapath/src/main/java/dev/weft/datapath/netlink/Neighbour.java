package dev.weft.datapath.netlink;

import java.net.InetAddress;

/**
 * A neighbour entry ({@code ip neigh}) or, with family {@link Rtnl#AF_BRIDGE}, a bridge/VXLAN
 * forwarding-database entry ({@code bridge fdb}). {@code destination} is the IP (for an FDB entry
 * on a VXLAN device: the remote VTEP's underlay address, NDA_DST); {@code lladdr} the MAC.
 */
public record Neighbour(
        int family, int index, InetAddress destination, MacAddress lladdr, int state, int flags, int masterIndex) {

    /** {@code ip neigh replace <ip> lladdr <mac> dev <index> nud permanent}. */
    public static Neighbour permanent(int index, InetAddress ip, MacAddress mac) {
        return new Neighbour(Address.familyOf(ip), index, ip, mac, Rtnl.NUD_PERMANENT, 0, 0);
    }

    /** {@code bridge fdb replace <mac> dev <vxlanIndex> dst <remote> self permanent}. */
    public static Neighbour vxlanFdb(int vxlanIndex, MacAddress mac, InetAddress remote) {
        return new Neighbour(Rtnl.AF_BRIDGE, vxlanIndex, remote, mac, Rtnl.NUD_PERMANENT, Rtnl.NTF_SELF, 0);
    }

    public boolean isFdb() {
        return family == Rtnl.AF_BRIDGE;
    }

    public boolean isPermanent() {
        return (state & Rtnl.NUD_PERMANENT) != 0;
    }

    @Override
    public String toString() {
        if (isFdb()) {
            return "fdb " + lladdr + " dev " + index
                    + (destination == null ? "" : " dst " + destination.getHostAddress());
        }
        return "neigh " + (destination == null ? "?" : destination.getHostAddress()) + " lladdr " + lladdr + " dev "
                + index + " state 0x" + Integer.toHexString(state);
    }
}
