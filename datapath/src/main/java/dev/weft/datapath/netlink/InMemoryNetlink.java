package dev.weft.datapath.netlink;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link Netlink} that keeps links, addresses, routes and neighbours in memory with the kernel's
 * main rules (EEXIST / ENODEV / ESRCH / ENOENT, deleting a link removes its routes, neighbours,
 * addresses and veth peer). For unit tests of code that programs the kernel; no events. Failures
 * can be injected with {@link #failNext}. Thread-safe (synchronized).
 */
public final class InMemoryNetlink implements Netlink {
    private final Map<Integer, Link> links = new LinkedHashMap<>();
    private final Map<Integer, Integer> vethPeer = new HashMap<>();
    private final List<Address> addresses = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private final List<Neighbour> neighbours = new ArrayList<>();
    private int nextIndex = 2;
    private int macCounter = 1;
    private String failPrefix;
    private int failErrno;
    private int requests;

    public InMemoryNetlink() {
        links.put(1, new Link(1, "lo", null, Rtnl.IFF_UP, 65536, MacAddress.of(new byte[6]), 0, 0, null));
    }

    /** The next request whose description starts with {@code requestPrefix} (e.g. "RTM_NEWROUTE") fails with {@code errno}. */
    public synchronized void failNext(String requestPrefix, int errno) {
        this.failPrefix = requestPrefix;
        this.failErrno = errno;
    }

    /** Number of requests served (dumps and changes). */
    public synchronized int requests() {
        return requests;
    }

    private void request(String what) {
        requests++;
        if (failPrefix != null && what.startsWith(failPrefix)) {
            failPrefix = null;
            throw new NetlinkException(failErrno, what, "injected");
        }
    }

    private Link require(int index, String what) {
        Link l = links.get(index);
        if (l == null) throw new NetlinkException(Errno.ENODEV, what, null);
        return l;
    }

    @Override
    public synchronized List<Link> links() {
        request("RTM_GETLINK dump");
        return List.copyOf(links.values());
    }

    @Override
    public synchronized Optional<Link> link(String name) {
        request("RTM_GETLINK " + name);
        return links.values().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    @Override
    public synchronized Optional<Link> link(int index) {
        request("RTM_GETLINK " + index);
        return Optional.ofNullable(links.get(index));
    }

    private MacAddress nextMac() {
        int c = macCounter++;
        return MacAddress.of(new byte[] {2, 0, 0, (byte) (c >> 16), (byte) (c >> 8), (byte) c});
    }

    private boolean nameTaken(String name) {
        return links.values().stream().anyMatch(l -> l.name().equals(name));
    }

    @Override
    public synchronized Link createLink(LinkSpec spec) {
        String what = "RTM_NEWLINK " + spec.name();
        request(what);
        if (nameTaken(spec.name())) throw new NetlinkException(Errno.EEXIST, what, null);
        Link created;
        switch (spec) {
            case LinkSpec.Vxlan v -> {
                if (v.underlayIndex() != 0) require(v.underlayIndex(), what);
                created = new Link(
                        nextIndex++,
                        v.name(),
                        "vxlan",
                        0,
                        v.mtu() > 0 ? v.mtu() : 1450,
                        v.mac() != null ? v.mac() : nextMac(),
                        0,
                        v.underlayIndex(),
                        new VxlanInfo(v.vni(), v.port(), v.local(), v.underlayIndex(), v.learning()));
            }
            case LinkSpec.Veth v -> {
                if (v.peerNetns() == null
                        && (nameTaken(v.peerName()) || v.peerName().equals(v.name()))) {
                    throw new NetlinkException(Errno.EEXIST, what, null);
                }
                int mtu = v.mtu() > 0 ? v.mtu() : 1500;
                created = new Link(
                        nextIndex++, v.name(), "veth", 0, mtu, v.mac() != null ? v.mac() : nextMac(), 0, 0, null);
                if (v.peerNetns() == null) {
                    Link peer = new Link(
                            nextIndex++,
                            v.peerName(),
                            "veth",
                            0,
                            mtu,
                            v.peerMac() != null ? v.peerMac() : nextMac(),
                            0,
                            created.index(),
                            null);
                    links.put(peer.index(), peer);
                    vethPeer.put(peer.index(), created.index());
                    vethPeer.put(created.index(), peer.index());
                }
            }
            case LinkSpec.Bridge b ->
                created = new Link(
                        nextIndex++,
                        b.name(),
                        "bridge",
                        0,
                        b.mtu() > 0 ? b.mtu() : 1500,
                        b.mac() != null ? b.mac() : nextMac(),
                        0,
                        0,
                        null);
        }
        links.put(created.index(), created);
        return created;
    }

    @Override
    public synchronized void updateLink(LinkUpdate u) {
        String what = "RTM_SETLINK " + u;
        request(what);
        Link l = require(u.index, what);
        if (u.name != null && !u.name.equals(l.name()) && nameTaken(u.name))
            throw new NetlinkException(Errno.EEXIST, what, null);
        if (u.masterIndex != null && u.masterIndex != 0) require(u.masterIndex, what);
        if (u.netns != null) {
            removeLink(l.index(), false);
            return;
        }
        int flags = l.flags();
        if (u.up != null)
            flags = u.up ? (flags | Rtnl.IFF_UP | Rtnl.IFF_LOWER_UP) : (flags & ~(Rtnl.IFF_UP | Rtnl.IFF_LOWER_UP));
        links.put(
                l.index(),
                new Link(
                        l.index(),
                        u.name != null ? u.name : l.name(),
                        l.kind(),
                        flags,
                        u.mtu != null ? u.mtu : l.mtu(),
                        u.mac != null ? u.mac : l.mac(),
                        u.masterIndex != null ? u.masterIndex : l.masterIndex(),
                        l.linkIndex(),
                        l.vxlan()));
        if (u.up != null && !u.up) {
            routes.removeIf(r -> r.outputIndex() == l.index());
        }
    }

    @Override
    public synchronized void deleteLink(int index) {
        String what = "RTM_DELLINK " + index;
        request(what);
        require(index, what);
        removeLink(index, true);
    }

    private void removeLink(int index, boolean withPeer) {
        links.remove(index);
        routes.removeIf(r -> r.outputIndex() == index);
        neighbours.removeIf(n -> n.index() == index);
        addresses.removeIf(a -> a.index() == index);
        Integer peer = vethPeer.remove(index);
        if (peer != null) {
            vethPeer.remove(peer);
            if (withPeer && links.containsKey(peer)) removeLink(peer, false);
        }
    }

    @Override
    public synchronized List<Address> addresses(int family) {
        request("RTM_GETADDR dump");
        return addresses.stream().filter(a -> a.family() == family).toList();
    }

    @Override
    public synchronized void addAddress(Address a, boolean replace) {
        String what = "RTM_NEWADDR " + a;
        request(what);
        require(a.index(), what);
        boolean exists = addresses.stream()
                .anyMatch(x -> x.index() == a.index() && x.address().equals(a.address()));
        if (exists && !replace) throw new NetlinkException(Errno.EEXIST, what, null);
        addresses.removeIf(x -> x.index() == a.index() && x.address().equals(a.address()));
        addresses.add(a);
    }

    @Override
    public synchronized void deleteAddress(Address a) {
        String what = "RTM_DELADDR " + a;
        request(what);
        if (!addresses.removeIf(x -> x.index() == a.index() && x.address().equals(a.address()))) {
            throw new NetlinkException(Errno.EADDRNOTAVAIL, what, null);
        }
    }

    private static boolean sameKey(Route a, Route b) {
        return a.family() == b.family()
                && a.table() == b.table()
                && a.prefixLength() == b.prefixLength()
                && Objects.equals(a.destination(), b.destination())
                && a.priority() == b.priority();
    }

    @Override
    public synchronized List<Route> routes(int family) {
        request("RTM_GETROUTE dump");
        return routes.stream().filter(r -> r.family() == family).toList();
    }

    @Override
    public synchronized void addRoute(Route r, boolean replace) {
        String what = "RTM_NEWROUTE " + r;
        request(what);
        if (r.outputIndex() != 0) {
            Link l = require(r.outputIndex(), what);
            if (!l.isUp()) throw new NetlinkException(100 /* ENETDOWN */, what, "Nexthop device is not up");
        }
        boolean exists = routes.stream().anyMatch(x -> sameKey(x, r));
        if (exists && !replace) throw new NetlinkException(Errno.EEXIST, what, null);
        routes.removeIf(x -> sameKey(x, r));
        routes.add(r);
    }

    @Override
    public synchronized void deleteRoute(Route r) {
        String what = "RTM_DELROUTE " + r;
        request(what);
        boolean removed = routes.removeIf(x -> sameKey(x, r)
                && (r.gateway() == null || r.gateway().equals(x.gateway()))
                && (r.outputIndex() == 0 || r.outputIndex() == x.outputIndex())
                && (r.protocol() == 0 || r.protocol() == x.protocol()));
        if (!removed) throw new NetlinkException(Errno.ESRCH, what, null);
    }

    private static boolean sameNeighbour(Neighbour a, Neighbour b) {
        if (a.family() != b.family() || a.index() != b.index()) return false;
        if (a.isFdb())
            return Objects.equals(a.lladdr(), b.lladdr()) && Objects.equals(a.destination(), b.destination());
        return Objects.equals(a.destination(), b.destination());
    }

    @Override
    public synchronized List<Neighbour> neighbours(int family) {
        request("RTM_GETNEIGH dump");
        return neighbours.stream().filter(n -> n.family() == family).toList();
    }

    @Override
    public synchronized void addNeighbour(Neighbour n, boolean replace) {
        String what = "RTM_NEWNEIGH " + n;
        request(what);
        require(n.index(), what);
        if (n.isFdb() && replace) {
            // vxlan FDB replace: the MAC's first remote is replaced
            neighbours.removeIf(x -> x.isFdb() && x.index() == n.index() && Objects.equals(x.lladdr(), n.lladdr()));
        }
        boolean exists = neighbours.stream().anyMatch(x -> sameNeighbour(x, n));
        if (exists && !replace) throw new NetlinkException(Errno.EEXIST, what, null);
        neighbours.removeIf(x -> sameNeighbour(x, n));
        neighbours.add(n);
    }

    @Override
    public synchronized void deleteNeighbour(Neighbour n) {
        String what = "RTM_DELNEIGH " + n;
        request(what);
        if (!neighbours.removeIf(x -> sameNeighbour(x, n))) throw new NetlinkException(Errno.ENOENT, what, null);
    }

    /** Test helper: removes a route by destination without going through the request counter. */
    public synchronized boolean removeRouteBehindTheBack(InetAddress destination, int prefixLength) {
        return routes.removeIf(r -> Objects.equals(r.destination(), destination) && r.prefixLength() == prefixLength);
    }

    @Override
    public void close() {}
}
