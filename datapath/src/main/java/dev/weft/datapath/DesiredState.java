package dev.weft.datapath;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;

/**
 * Everything Weft wants in the kernel, computed by {@link DesiredStateCalculator} (pure). Devices are
 * referred to by name; the reconciler resolves them to indexes.
 *
 * @param device     the VXLAN device
 * @param routes     routes Weft owns (marked with the configured protocol in the configured table)
 * @param neighbours permanent neighbour entries on the VXLAN device (peer VTEP address → VTEP MAC)
 * @param fdb        FDB entries on the VXLAN device (peer VTEP MAC → peer underlay address)
 * @param peers      per-peer decision (mode, or why none), for status
 * @param problems   inputs that were ignored and why (conflicting CIDRs, missing fields)
 */
public record DesiredState(
        VxlanDevice device,
        List<DesiredRoute> routes,
        List<DesiredNeighbour> neighbours,
        List<DesiredFdb> fdb,
        List<PeerPlan> peers,
        List<String> problems) {
    public DesiredState {
        routes = List.copyOf(routes);
        neighbours = List.copyOf(neighbours);
        fdb = List.copyOf(fdb);
        peers = List.copyOf(peers);
        problems = List.copyOf(problems);
    }

    /**
     * The VXLAN device. {@code underlayInterface} may be null; {@code address} (the node's VTEP
     * address, put on the device as /32 or /128) may be null; {@code addressV6} is the IPv6 VTEP
     * address of a dual-stack node (a /128 next to the IPv4 one; null otherwise).
     */
    public record VxlanDevice(
            String name,
            int vni,
            int port,
            IpAddress local,
            String underlayInterface,
            boolean learning,
            int mtu,
            MacAddress mac,
            IpAddress address,
            IpAddress addressV6) {
        /** A single-stack device. */
        public VxlanDevice(
                String name,
                int vni,
                int port,
                IpAddress local,
                String underlayInterface,
                boolean learning,
                int mtu,
                MacAddress mac,
                IpAddress address) {
            this(name, vni, port, local, underlayInterface, learning, mtu, mac, address, null);
        }

        /** The addresses to put on the device (the VTEP address of each family the node has). */
        public List<IpAddress> addresses() {
            List<IpAddress> out = new java.util.ArrayList<>();
            if (address != null) out.add(address);
            if (addressV6 != null) out.add(addressV6);
            return out;
        }
    }

    /** Who a route is for. */
    public enum RouteKind {
        REMOTE_VXLAN,
        REMOTE_HOST_GW,
        LOCAL_POD,
        REMOTE_SLEEVE
    }

    /**
     * A route: {@code destination [via gateway] dev device [onlink] scope}. {@code peerId} is the
     * peer it leads to (null for local pods).
     */
    public record DesiredRoute(
            Cidr destination,
            IpAddress gateway,
            String device,
            boolean onlink,
            int scope,
            RouteKind kind,
            String peerId) {}

    public record DesiredNeighbour(IpAddress address, MacAddress mac, String device, String peerId) {}

    public record DesiredFdb(MacAddress mac, IpAddress remote, String device, String peerId) {}

    /** The decision for one peer: its mode, or null with a reason. */
    public record PeerPlan(String peerId, DatapathMode mode, List<Cidr> cidrs, String reason) {
        public PeerPlan {
            cidrs = List.copyOf(cidrs);
        }
    }
}
