package dev.weft.datapath.netlink;

import java.util.List;
import java.util.Optional;

/**
 * Synchronous rtnetlink operations on one network namespace. The real implementation is
 * {@link RtNetlink} (current namespace: {@link RtNetlink#open()}; another namespace:
 * {@link NetlinkNamespace#netlink()}); tests of callers may fake it.
 *
 * <p>Failures throw {@link NetlinkException} carrying the errno name (EEXIST, ENOENT, ...) and a
 * description of the request.
 *
 * <h2>Pod plumbing recipe (CNI ADD)</h2>
 * <pre>{@code
 * Netlink host = RtNetlink.open();                       // agent's (host) namespace
 * Link hostEnd = host.createLink(new LinkSpec.Veth("weft1a2b3c", "eth0", 1450, null, null, Path.of(cniNetns)));
 * host.updateLink(new LinkUpdate(hostEnd.index()).up(true));
 * try (NetlinkNamespace pod = NetlinkNamespace.open(Path.of(cniNetns), platformThreadFactory)) {
 *     Netlink p = pod.netlink();
 *     Link eth0 = p.link("eth0").orElseThrow();
 *     p.updateLink(new LinkUpdate(eth0.index()).up(true));            // also .name(...), .mtu(...)
 *     p.addAddress(Address.of(eth0.index(), podIp, 32), true);
 *     InetAddress gw = InetAddress.getByName("169.254.1.1");
 *     p.addRoute(Route.builder().destination(gw, 32).outputIndex(eth0.index()).scope(Rtnl.RT_SCOPE_LINK).build(), true);
 *     p.addRoute(Route.builder().defaultRoute(Rtnl.AF_INET).gateway(gw).outputIndex(eth0.index()).onlink(true).build(), true);
 *     p.addNeighbour(Neighbour.permanent(eth0.index(), gw, hostEnd.mac()), true);
 * }
 * // the node's podIp/32 route over hostEnd is not added here: the Reconciler owns it (ClusterView.LocalPod)
 * // DEL: host.link(name).ifPresent(l -> host.deleteLink(l.index()));  (deleting one end removes the pair)
 * }</pre>
 */
public interface Netlink extends AutoCloseable {

    // links
    List<Link> links();

    /** The link with this name, or empty (ENODEV). */
    Optional<Link> link(String name);

    Optional<Link> link(int index);

    /** Creates the link (fails with EEXIST if the name is taken) and returns it as the kernel reports it. */
    Link createLink(LinkSpec spec);

    void updateLink(LinkUpdate update);

    void deleteLink(int index);

    // addresses
    List<Address> addresses(int family);

    void addAddress(Address address, boolean replace);

    void deleteAddress(Address address);

    // routes
    /** All routes of the family in all tables. */
    List<Route> routes(int family);

    void addRoute(Route route, boolean replace);

    void deleteRoute(Route route);

    // neighbours and FDB
    /** Neighbours of the family; {@link Rtnl#AF_BRIDGE} returns the bridge/VXLAN FDB. */
    List<Neighbour> neighbours(int family);

    void addNeighbour(Neighbour neighbour, boolean replace);

    void deleteNeighbour(Neighbour neighbour);

    @Override
    void close();
}
