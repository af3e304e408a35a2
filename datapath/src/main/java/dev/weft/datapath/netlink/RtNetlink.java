package dev.weft.datapath.netlink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@link Netlink} over a real NETLINK_ROUTE socket (FFM). Thread-safe (requests are serialized on
 * the socket). The namespace is the one the socket was opened in.
 */
public final class RtNetlink implements Netlink {
    private final NetlinkSocket socket;

    RtNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** A client for the calling thread's network namespace. */
    public static RtNetlink open() {
        return new RtNetlink(NetlinkSocket.open());
    }

    private static <T> List<T> decodeAll(List<NlMessage> msgs, int type, Function<NlMessage, T> f) {
        List<T> out = new ArrayList<>(msgs.size());
        for (NlMessage m : msgs) {
            if (m.type() == type) out.add(f.apply(m));
        }
        return out;
    }

    @Override
    public List<Link> links() {
        return decodeAll(
                socket.requestDump(RtnlCodec.dumpLinks(), "RTM_GETLINK dump"), Rtnl.RTM_NEWLINK, RtnlCodec::decodeLink);
    }

    @Override
    public Optional<Link> link(String name) {
        try {
            return Optional.of(RtnlCodec.decodeLink(socket.requestOne(RtnlCodec.getLink(name), "RTM_GETLINK " + name)));
        } catch (NetlinkException e) {
            if (e.isNotFound()) return Optional.empty();
            throw e;
        }
    }

    @Override
    public Optional<Link> link(int index) {
        try {
            return Optional.of(
                    RtnlCodec.decodeLink(socket.requestOne(RtnlCodec.getLink(index), "RTM_GETLINK index " + index)));
        } catch (NetlinkException e) {
            if (e.isNotFound()) return Optional.empty();
            throw e;
        }
    }

    @Override
    public Link createLink(LinkSpec spec) {
        String what = "RTM_NEWLINK " + describe(spec);
        Path ns = spec instanceof LinkSpec.Veth v ? v.peerNetns() : null;
        int fd = ns == null ? -1 : NetlinkSyscalls.openReadOnly(ns);
        try {
            socket.requestAck(RtnlCodec.createLink(spec, fd), what);
        } finally {
            if (fd >= 0) NetlinkSyscalls.close(fd);
        }
        return link(spec.name()).orElseThrow(() -> new NetlinkException(Errno.ENODEV, what + " then lookup", null));
    }

    private static String describe(LinkSpec spec) {
        return switch (spec) {
            case LinkSpec.Vxlan v ->
                v.name() + " type vxlan id " + v.vni() + " dstport " + v.port()
                        + (v.local() == null ? "" : " local " + v.local().getHostAddress())
                        + (v.underlayIndex() == 0 ? "" : " dev " + v.underlayIndex())
                        + (v.learning() ? "" : " nolearning");
            case LinkSpec.Veth v ->
                v.name() + " type veth peer " + v.peerName() + (v.peerNetns() == null ? "" : " netns " + v.peerNetns());
            case LinkSpec.Bridge b -> b.name() + " type bridge";
        };
    }

    @Override
    public void updateLink(LinkUpdate update) {
        int fd = update.netns == null ? -1 : NetlinkSyscalls.openReadOnly(update.netns);
        try {
            socket.requestAck(RtnlCodec.updateLink(update, fd), "RTM_SETLINK " + update);
        } finally {
            if (fd >= 0) NetlinkSyscalls.close(fd);
        }
    }

    @Override
    public void deleteLink(int index) {
        socket.requestAck(RtnlCodec.deleteLink(index), "RTM_DELLINK index " + index);
    }

    @Override
    public List<Address> addresses(int family) {
        return decodeAll(
                socket.requestDump(RtnlCodec.dumpAddresses(family), "RTM_GETADDR dump"),
                Rtnl.RTM_NEWADDR,
                RtnlCodec::decodeAddress);
    }

    @Override
    public void addAddress(Address address, boolean replace) {
        socket.requestAck(RtnlCodec.addAddress(address, replace), "RTM_NEWADDR " + address);
    }

    @Override
    public void deleteAddress(Address address) {
        socket.requestAck(RtnlCodec.deleteAddress(address), "RTM_DELADDR " + address);
    }

    @Override
    public List<Route> routes(int family) {
        return decodeAll(
                socket.requestDump(RtnlCodec.dumpRoutes(family), "RTM_GETROUTE dump"),
                Rtnl.RTM_NEWROUTE,
                RtnlCodec::decodeRoute);
    }

    @Override
    public void addRoute(Route route, boolean replace) {
        socket.requestAck(
                RtnlCodec.addRoute(route, replace), (replace ? "RTM_NEWROUTE replace " : "RTM_NEWROUTE ") + route);
    }

    @Override
    public void deleteRoute(Route route) {
        socket.requestAck(RtnlCodec.deleteRoute(route), "RTM_DELROUTE " + route);
    }

    @Override
    public List<Neighbour> neighbours(int family) {
        return decodeAll(
                socket.requestDump(RtnlCodec.dumpNeighbours(family), "RTM_GETNEIGH dump family " + family),
                Rtnl.RTM_NEWNEIGH,
                RtnlCodec::decodeNeighbour);
    }

    @Override
    public void addNeighbour(Neighbour neighbour, boolean replace) {
        socket.requestAck(RtnlCodec.addNeighbour(neighbour, replace), "RTM_NEWNEIGH " + neighbour);
    }

    @Override
    public void deleteNeighbour(Neighbour neighbour) {
        socket.requestAck(RtnlCodec.deleteNeighbour(neighbour), "RTM_DELNEIGH " + neighbour);
    }

    @Override
    public void close() {
        socket.close();
    }
}
