package dev.weft.datapath;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The node's underlay: interface, MTU and address, as found in the kernel, plus the connected
 * subnet used to decide whether a peer is on the same L2 segment (host-gw possible).
 *
 * @param interfaceName underlay interface (e.g. eth0)
 * @param mtu           its MTU
 * @param address       the node's underlay address on it
 * @param subnet        the connected subnet of that address
 */
public record Underlay(String interfaceName, int mtu, IpAddress address, Cidr subnet) {

    /** True when {@code peer} is in this node's connected underlay subnet (reachable without a router). */
    public boolean sameL2(IpAddress peer) {
        return peer != null && peer.isIpv4() == address.isIpv4() && subnet.contains(peer);
    }

    /**
     * Finds the underlay. With {@code preferred} (the configured/advertised address): the interface
     * holding it. Without: the interface of the IPv4 default route (main table) and its first
     * global address. Empty when nothing matches (the caller should say which setting to give).
     */
    public static Optional<Underlay> detect(Netlink netlink, IpAddress preferred) {
        int family = preferred == null || preferred.isIpv4() ? Rtnl.AF_INET : Rtnl.AF_INET6;
        List<Address> addrs = netlink.addresses(family);
        Address chosen = null;
        if (preferred != null) {
            chosen = addrs.stream().filter(a -> IpAddress.of(a.address()).equals(preferred)).findFirst().orElse(null);
        } else {
            Optional<Route> def = netlink.routes(family).stream()
                    .filter(r -> r.destination() == null && r.prefixLength() == 0 && r.table() == Rtnl.RT_TABLE_MAIN
                            && r.outputIndex() != 0)
                    .min(Comparator.comparingInt(Route::priority));
            if (def.isPresent()) {
                int oif = def.get().outputIndex();
                chosen = addrs.stream().filter(a -> a.index() == oif && a.scope() == Rtnl.RT_SCOPE_UNIVERSE)
                        .findFirst().orElse(null);
            }
        }
        if (chosen == null) return Optional.empty();
        Optional<Link> link = netlink.link(chosen.index());
        if (link.isEmpty()) return Optional.empty();
        IpAddress ip = IpAddress.of(chosen.address());
        return Optional.of(new Underlay(link.get().name(), link.get().mtu(), ip, Cidr.containing(ip, chosen.prefixLength())));
    }
}
