package dev.weft.datapath;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.Netlink;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * This node's underlay, as found in the kernel: the address peers reach it on, the interface carrying it, that
 * interface's index and MTU, and the connected subnet of the address. A peer whose underlay address lies in that
 * subnet is on the same L2 segment ({@link #sameL2}), so host-gw routes can reach it without a router.
 *
 * @param address        the node's underlay address (IPv4 or IPv6)
 * @param interfaceName  the interface holding it (e.g. eth0)
 * @param interfaceIndex its ifindex
 * @param mtu            its MTU
 * @param subnet         the connected subnet of {@code address} (address/prefix length, host bits cleared)
 */
public record Underlay(IpAddress address, String interfaceName, int interfaceIndex, int mtu, Cidr subnet) {

    public Underlay {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(subnet, "subnet");
        if (!subnet.contains(address)) throw new IllegalArgumentException(address + " is not in " + subnet);
    }

    /** Prefix length of the underlay address. */
    public int prefixLength() {
        return subnet.prefixLength();
    }

    /**
     * True when {@code peer} is in this node's connected underlay subnet (same family, reachable without a router).
     * False for null, for the other family and for this node's own address.
     */
    public boolean sameL2(IpAddress peer) {
        return peer != null && peer.isIpv4() == address.isIpv4() && !peer.equals(address) && subnet.contains(peer);
    }

    /** Why the underlay could not be found, with what to configure. */
    public static final class NotFound extends Exception {
        public NotFound(String message) {
            super(message);
        }
    }

    /**
     * Finds the underlay, in this order:
     * <ol>
     *   <li>{@code advertiseAddress} given: the interface holding exactly that address (IPv4 or IPv6);</li>
     *   <li>{@code interfaceName} given: that interface and its first global IPv4 address, else its first global
     *       IPv6 address;</li>
     *   <li>otherwise the interface of the IPv4 default route (main table, lowest metric) and its first global
     *       address, then the same for the IPv6 default route;</li>
     *   <li>otherwise the first global IPv4 (then IPv6) address on an interface that is not Weft's own (not
     *       {@code vxlanDevice}, not a {@code weft*} pod veth).</li>
     * </ol>
     * Loopback and link-local addresses are never chosen.
     *
     * @param advertiseAddress the configured advertise address, or null
     * @param interfaceName    the configured underlay interface, or null
     * @param vxlanDevice      the name of Weft's VXLAN device (never the underlay), or null
     * @throws NotFound when nothing matches; the message says what is missing and which setting to give
     */
    public static Underlay detect(Netlink netlink, IpAddress advertiseAddress, String interfaceName, String vxlanDevice)
            throws NotFound {
        List<Link> links = netlink.links();
        List<Address> v4 = usable(netlink.addresses(Rtnl.AF_INET));
        List<Address> v6 = usable(netlink.addresses(Rtnl.AF_INET6));
        List<Address> all = new ArrayList<>(v4);
        all.addAll(v6);
        Address chosen;
        if (advertiseAddress != null) {
            chosen = all.stream()
                    .filter(a -> IpAddress.of(a.address()).equals(advertiseAddress))
                    .findFirst()
                    .orElseThrow(() -> new NotFound("--advertise-address " + advertiseAddress
                            + " is not assigned to any interface of this node; addresses here: " + names(all)));
        } else if (interfaceName != null) {
            Link l = links.stream()
                    .filter(x -> x.name().equals(interfaceName))
                    .findFirst()
                    .orElseThrow(() ->
                            new NotFound("--underlay-interface " + interfaceName + " does not exist on this node"));
            chosen = first(v4, a -> a.index() == l.index())
                    .or(() -> first(v6, a -> a.index() == l.index()))
                    .orElseThrow(() -> new NotFound("--underlay-interface " + interfaceName
                            + " has no global IPv4 or IPv6 address; give it one or set --advertise-address"));
        } else {
            Predicate<Address> notWeft = a -> links.stream()
                    .anyMatch(l -> l.index() == a.index()
                            && !l.name().equals(vxlanDevice)
                            && !l.name().startsWith("weft"));
            chosen = onDefaultRoute(netlink, Rtnl.AF_INET, v4)
                    .or(() -> onDefaultRoute(netlink, Rtnl.AF_INET6, v6))
                    .or(() -> first(v4, notWeft))
                    .or(() -> first(v6, notWeft))
                    .orElseThrow(() -> new NotFound("no global IPv4 or IPv6 address on any interface to use as the "
                            + "underlay; set --advertise-address"));
        }
        Link l = links.stream()
                .filter(x -> x.index() == chosen.index())
                .findFirst()
                .orElseThrow(
                        () -> new NotFound("interface " + chosen.index() + " vanished while detecting the underlay"));
        IpAddress ip = IpAddress.of(chosen.address());
        return new Underlay(ip, l.name(), l.index(), l.mtu(), Cidr.containing(ip, chosen.prefixLength()));
    }

    private static List<Address> usable(List<Address> addresses) {
        return addresses.stream()
                .filter(a -> !a.address().isLoopbackAddress()
                        && !a.address().isLinkLocalAddress()
                        && !a.address().isAnyLocalAddress())
                .toList();
    }

    private static Optional<Address> first(List<Address> addresses, Predicate<Address> p) {
        return addresses.stream().filter(p).findFirst();
    }

    private static Optional<Address> onDefaultRoute(Netlink netlink, int family, List<Address> addresses) {
        return netlink.routes(family).stream()
                .filter(r -> r.destination() == null
                        && r.prefixLength() == 0
                        && r.outputIndex() != 0
                        && r.table() == Rtnl.RT_TABLE_MAIN)
                .min(Comparator.comparingInt(Route::priority))
                .flatMap(r -> first(addresses, a -> a.index() == r.outputIndex()));
    }

    private static List<String> names(List<Address> addresses) {
        return addresses.stream().map(a -> IpAddress.of(a.address()).toString()).toList();
    }
}
