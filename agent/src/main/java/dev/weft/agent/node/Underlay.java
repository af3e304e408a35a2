package dev.weft.agent.node;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * This node's underlay: the address peers reach it on, the interface carrying it, that interface's MTU,
 * and the subnet (peers on the same subnet may use plain routes instead of VXLAN).
 */
public record Underlay(InetAddress address, String interfaceName, int interfaceIndex, int mtu, int prefixLength) {

    /** Why the underlay could not be found, with what to configure. */
    public static final class NotFound extends Exception {
        NotFound(String m) {
            super(m);
        }
    }

    public String subnet() {
        byte[] b = address.getAddress();
        int bits = prefixLength;
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            b[i] &= (byte) (0xFF << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress() + "/" + prefixLength;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Finds the underlay: the configured address (or interface), else the interface of the IPv4 default route,
     * else the first global IPv4 address on a non-Weft interface.
     */
    public static Underlay detect(Netlink nl, String advertiseAddress, String interfaceName, String vxlanDevice) throws NotFound {
        List<Link> links = nl.links();
        List<Address> addrs = nl.addresses(Rtnl.AF_INET).stream()
                .filter(a -> a.address() instanceof Inet4Address && !a.address().isLoopbackAddress() && !a.address().isLinkLocalAddress())
                .toList();
        Optional<Address> chosen = Optional.empty();
        if (advertiseAddress != null) {
            chosen = addrs.stream().filter(a -> a.address().getHostAddress().equals(advertiseAddress)).findFirst();
            if (chosen.isEmpty()) {
                throw new NotFound("--advertise-address " + advertiseAddress + " is not assigned to any interface of this node; "
                        + "addresses here: " + addrs.stream().map(a -> a.address().getHostAddress()).toList());
            }
        } else if (interfaceName != null) {
            Link l = links.stream().filter(x -> x.name().equals(interfaceName)).findFirst()
                    .orElseThrow(() -> new NotFound("--underlay-interface " + interfaceName + " does not exist on this node"));
            chosen = addrs.stream().filter(a -> a.index() == l.index()).findFirst();
            if (chosen.isEmpty()) throw new NotFound("--underlay-interface " + interfaceName + " has no IPv4 address");
        } else {
            Optional<Integer> defaultDev = nl.routes(Rtnl.AF_INET).stream()
                    .filter(r -> r.destination() == null && r.prefixLength() == 0 && r.outputIndex() != 0 && r.table() == Rtnl.RT_TABLE_MAIN)
                    .sorted(Comparator.comparingInt(Route::priority)).map(Route::outputIndex).findFirst();
            if (defaultDev.isPresent()) {
                int idx = defaultDev.get();
                chosen = addrs.stream().filter(a -> a.index() == idx).findFirst();
            }
            if (chosen.isEmpty()) {
                chosen = addrs.stream().filter(a -> links.stream().anyMatch(l -> l.index() == a.index()
                        && !l.name().equals(vxlanDevice) && !l.name().startsWith("weft"))).findFirst();
            }
            if (chosen.isEmpty()) {
                throw new NotFound("no IPv4 address on any interface to use as the underlay; set --advertise-address");
            }
        }
        Address a = chosen.get();
        Link l = links.stream().filter(x -> x.index() == a.index()).findFirst()
                .orElseThrow(() -> new NotFound("interface " + a.index() + " vanished while detecting the underlay"));
        return new Underlay(a.address(), l.name(), l.index(), l.mtu(), a.prefixLength());
    }
}
