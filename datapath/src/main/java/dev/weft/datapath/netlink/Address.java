package dev.weft.datapath.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;

/** An interface address ({@code ip addr}). {@code label} may be null. */
public record Address(int family, int index, InetAddress address, int prefixLength, int scope, String label) {

    public static Address of(int index, InetAddress address, int prefixLength) {
        return new Address(familyOf(address), index, address, prefixLength, Rtnl.RT_SCOPE_UNIVERSE, null);
    }

    static int familyOf(InetAddress a) {
        return a instanceof Inet4Address ? Rtnl.AF_INET : Rtnl.AF_INET6;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " dev " + index;
    }
}
