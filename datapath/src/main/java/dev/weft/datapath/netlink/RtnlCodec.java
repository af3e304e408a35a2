package dev.weft.datapath.netlink;

import static dev.weft.datapath.netlink.Rtnl.*;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Pure encoding of rtnetlink requests and decoding of the kernel's messages. No I/O; the
 * byte layouts are those of the UAPI structs named in {@link Rtnl}. Namespace file descriptors
 * are passed in as plain ints (opening them is the caller's business).
 */
public final class RtnlCodec {
    private RtnlCodec() {}

    static final int ACK = NLM_F_REQUEST | NLM_F_ACK;
    static final int CREATE_EXCL = ACK | NLM_F_CREATE | NLM_F_EXCL;
    static final int CREATE_REPLACE = ACK | NLM_F_CREATE | NLM_F_REPLACE;

    private static NlMessageWriter ifinfo(int type, int flags, int family, int index, int ifFlags, int change) {
        return new NlMessageWriter(type, flags)
                .u8(family)
                .u8(0)
                .u16(0)
                .u32(index)
                .u32(ifFlags)
                .u32(change);
    }

    // ---------------------------------------------------------------- links

    public static NlMessageWriter dumpLinks() {
        return ifinfo(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, AF_UNSPEC, 0, 0, 0);
    }

    public static NlMessageWriter getLink(String name) {
        return ifinfo(RTM_GETLINK, NLM_F_REQUEST, AF_UNSPEC, 0, 0, 0).attrString(IFLA_IFNAME, name);
    }

    public static NlMessageWriter getLink(int index) {
        return ifinfo(RTM_GETLINK, NLM_F_REQUEST, AF_UNSPEC, index, 0, 0);
    }

    public static NlMessageWriter deleteLink(int index) {
        return ifinfo(RTM_DELLINK, ACK, AF_UNSPEC, index, 0, 0);
    }

    /** @param peerNetnsFd fd of the veth peer's namespace, or -1 */
    public static NlMessageWriter createLink(LinkSpec spec, int peerNetnsFd) {
        NlMessageWriter w = ifinfo(RTM_NEWLINK, CREATE_EXCL, AF_UNSPEC, 0, 0, 0);
        w.attrString(IFLA_IFNAME, spec.name());
        switch (spec) {
            case LinkSpec.Vxlan v -> {
                common(w, v.mtu(), v.mac());
                int info = w.beginNested(IFLA_LINKINFO);
                w.attrString(IFLA_INFO_KIND, "vxlan");
                int data = w.beginNested(IFLA_INFO_DATA);
                w.attrU32(IFLA_VXLAN_ID, v.vni());
                if (v.local() != null) {
                    w.attr(
                            v.local() instanceof Inet4Address ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6,
                            v.local().getAddress());
                }
                if (v.underlayIndex() > 0) {
                    w.attrU32(IFLA_VXLAN_LINK, v.underlayIndex());
                }
                w.attrU16be(IFLA_VXLAN_PORT, v.port());
                w.attrU8(IFLA_VXLAN_LEARNING, v.learning() ? 1 : 0);
                w.endNested(data);
                w.endNested(info);
            }
            case LinkSpec.Veth v -> {
                common(w, v.mtu(), v.mac());
                int info = w.beginNested(IFLA_LINKINFO);
                w.attrString(IFLA_INFO_KIND, "veth");
                int data = w.beginNested(IFLA_INFO_DATA);
                int peer = w.beginNested(VETH_INFO_PEER);
                w.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0); // struct ifinfomsg of the peer
                w.attrString(IFLA_IFNAME, v.peerName());
                common(w, v.mtu(), v.peerMac());
                if (peerNetnsFd >= 0) {
                    w.attrU32(IFLA_NET_NS_FD, peerNetnsFd);
                }
                w.endNested(peer);
                w.endNested(data);
                w.endNested(info);
            }
            case LinkSpec.Bridge b -> {
                common(w, b.mtu(), b.mac());
                int info = w.beginNested(IFLA_LINKINFO);
                w.attrString(IFLA_INFO_KIND, "bridge");
                w.endNested(info);
            }
        }
        return w;
    }

    private static void common(NlMessageWriter w, int mtu, MacAddress mac) {
        if (mtu > 0) {
            w.attrU32(IFLA_MTU, mtu);
        }
        if (mac != null) {
            w.attr(IFLA_ADDRESS, mac.bytes());
        }
    }

    /** @param netnsFd fd of the target namespace when {@code u.netns} is set, else ignored */
    public static NlMessageWriter updateLink(LinkUpdate u, int netnsFd) {
        int flags = 0;
        int change = 0;
        if (u.up != null) {
            flags = u.up ? IFF_UP : 0;
            change = IFF_UP;
        }
        NlMessageWriter w = ifinfo(RTM_SETLINK, ACK, AF_UNSPEC, u.index, flags, change);
        if (u.name != null) w.attrString(IFLA_IFNAME, u.name);
        if (u.mtu != null) w.attrU32(IFLA_MTU, u.mtu);
        if (u.mac != null) w.attr(IFLA_ADDRESS, u.mac.bytes());
        if (u.masterIndex != null) w.attrU32(IFLA_MASTER, u.masterIndex);
        if (u.netns != null) w.attrU32(IFLA_NET_NS_FD, netnsFd);
        return w;
    }

    public static Link decodeLink(NlMessage m) {
        ByteBuffer p = m.payload();
        require(p, IFINFOMSG_LEN, "ifinfomsg");
        int index = p.getInt(4);
        int flags = p.getInt(8);
        NlAttributes a = NlAttributes.parse(p, IFINFOMSG_LEN, p.limit());
        String kind = null;
        VxlanInfo vx = null;
        NlAttributes info = a.nested(IFLA_LINKINFO);
        if (info != null) {
            kind = info.string(IFLA_INFO_KIND);
            NlAttributes data = info.nested(IFLA_INFO_DATA);
            if ("vxlan".equals(kind) && data != null) {
                InetAddress local = data.inet(IFLA_VXLAN_LOCAL);
                if (local == null) {
                    local = data.inet(IFLA_VXLAN_LOCAL6);
                }
                vx = new VxlanInfo(
                        data.u32(IFLA_VXLAN_ID, 0),
                        data.u16be(IFLA_VXLAN_PORT, 0),
                        local,
                        data.u32(IFLA_VXLAN_LINK, 0),
                        data.u8(IFLA_VXLAN_LEARNING, 0) != 0);
            }
        }
        return new Link(
                index,
                a.string(IFLA_IFNAME),
                kind,
                flags,
                a.u32(IFLA_MTU, 0),
                a.mac(IFLA_ADDRESS),
                a.u32(IFLA_MASTER, 0),
                a.u32(IFLA_LINK, 0),
                vx);
    }

    // ---------------------------------------------------------------- addresses

    public static NlMessageWriter dumpAddresses(int family) {
        return new NlMessageWriter(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP)
                .u8(family)
                .u8(0)
                .u8(0)
                .u8(0)
                .u32(0);
    }

    public static NlMessageWriter addAddress(Address a, boolean replace) {
        return address(RTM_NEWADDR, replace ? CREATE_REPLACE : CREATE_EXCL, a);
    }

    public static NlMessageWriter deleteAddress(Address a) {
        return address(RTM_DELADDR, ACK, a);
    }

    /**
     * IPv6 addresses Weft adds (VTEP addresses, pod addresses) skip duplicate address detection ({@code
     * IFA_F_NODAD}): IPAM makes them unique, and a tentative address is not used as a source for about a second,
     * so the node's first packets to remote pods would leave from another (global) address.
     */
    private static NlMessageWriter address(int type, int flags, Address a) {
        int ifaFlags = type == RTM_NEWADDR && a.family() == AF_INET6 ? IFA_F_NODAD : 0;
        NlMessageWriter w = new NlMessageWriter(type, flags)
                .u8(a.family())
                .u8(a.prefixLength())
                .u8(ifaFlags)
                .u8(a.scope())
                .u32(a.index());
        byte[] ip = a.address().getAddress();
        w.attr(IFA_LOCAL, ip);
        w.attr(IFA_ADDRESS, ip);
        if (a.label() != null) {
            w.attrString(IFA_LABEL, a.label());
        }
        return w;
    }

    public static Address decodeAddress(NlMessage m) {
        ByteBuffer p = m.payload();
        require(p, IFADDRMSG_LEN, "ifaddrmsg");
        NlAttributes a = NlAttributes.parse(p, IFADDRMSG_LEN, p.limit());
        InetAddress ip = a.inet(IFA_LOCAL);
        if (ip == null) {
            ip = a.inet(IFA_ADDRESS);
        }
        return new Address(
                Byte.toUnsignedInt(p.get(0)),
                p.getInt(4),
                ip,
                Byte.toUnsignedInt(p.get(1)),
                Byte.toUnsignedInt(p.get(3)),
                a.string(IFA_LABEL));
    }

    // ---------------------------------------------------------------- routes

    public static NlMessageWriter dumpRoutes(int family) {
        return new NlMessageWriter(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP)
                .u8(family)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u32(0);
    }

    public static NlMessageWriter addRoute(Route r, boolean replace) {
        return route(RTM_NEWROUTE, replace ? CREATE_REPLACE : CREATE_EXCL, r, r.scope());
    }

    /** Deletes the route with this destination/table/gateway/device (scope matched as wildcard). */
    public static NlMessageWriter deleteRoute(Route r) {
        return route(RTM_DELROUTE, ACK, r, 255 /* RT_SCOPE_NOWHERE: any scope */);
    }

    private static NlMessageWriter route(int type, int flags, Route r, int scope) {
        NlMessageWriter w = new NlMessageWriter(type, flags)
                .u8(r.family())
                .u8(r.prefixLength())
                .u8(0)
                .u8(0)
                .u8(r.table() < 256 ? r.table() : RT_TABLE_UNSPEC)
                .u8(r.protocol())
                .u8(scope)
                .u8(r.type())
                .u32(r.flags());
        w.attrU32(RTA_TABLE, r.table());
        if (r.destination() != null) w.attr(RTA_DST, r.destination().getAddress());
        if (r.gateway() != null) w.attr(RTA_GATEWAY, r.gateway().getAddress());
        if (r.outputIndex() != 0) w.attrU32(RTA_OIF, r.outputIndex());
        if (r.priority() != 0) w.attrU32(RTA_PRIORITY, r.priority());
        if (r.preferredSource() != null) w.attr(RTA_PREFSRC, r.preferredSource().getAddress());
        return w;
    }

    public static Route decodeRoute(NlMessage m) {
        ByteBuffer p = m.payload();
        require(p, RTMSG_LEN, "rtmsg");
        NlAttributes a = NlAttributes.parse(p, RTMSG_LEN, p.limit());
        int table = a.u32(RTA_TABLE, Byte.toUnsignedInt(p.get(4)));
        return new Route(
                Byte.toUnsignedInt(p.get(0)),
                a.inet(RTA_DST),
                Byte.toUnsignedInt(p.get(1)),
                a.inet(RTA_GATEWAY),
                a.u32(RTA_OIF, 0),
                table,
                Byte.toUnsignedInt(p.get(5)),
                Byte.toUnsignedInt(p.get(6)),
                Byte.toUnsignedInt(p.get(7)),
                p.getInt(8),
                a.u32(RTA_PRIORITY, 0),
                a.inet(RTA_PREFSRC));
    }

    // ---------------------------------------------------------------- neighbours / fdb

    public static NlMessageWriter dumpNeighbours(int family) {
        return new NlMessageWriter(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP)
                .u8(family)
                .u8(0)
                .u16(0)
                .u32(0)
                .u16(0)
                .u8(0)
                .u8(0);
    }

    public static NlMessageWriter addNeighbour(Neighbour n, boolean replace) {
        return neighbour(RTM_NEWNEIGH, replace ? CREATE_REPLACE : CREATE_EXCL, n);
    }

    public static NlMessageWriter deleteNeighbour(Neighbour n) {
        return neighbour(RTM_DELNEIGH, ACK, n);
    }

    private static NlMessageWriter neighbour(int type, int flags, Neighbour n) {
        NlMessageWriter w = new NlMessageWriter(type, flags)
                .u8(n.family())
                .u8(0)
                .u16(0)
                .u32(n.index())
                .u16(n.state())
                .u8(n.flags())
                .u8(0);
        if (n.destination() != null) w.attr(NDA_DST, n.destination().getAddress());
        if (n.lladdr() != null) w.attr(NDA_LLADDR, n.lladdr().bytes());
        if (n.masterIndex() != 0) w.attrU32(NDA_MASTER, n.masterIndex());
        return w;
    }

    public static Neighbour decodeNeighbour(NlMessage m) {
        ByteBuffer p = m.payload();
        require(p, NDMSG_LEN, "ndmsg");
        NlAttributes a = NlAttributes.parse(p, NDMSG_LEN, p.limit());
        return new Neighbour(
                Byte.toUnsignedInt(p.get(0)),
                p.getInt(4),
                a.inet(NDA_DST),
                a.mac(NDA_LLADDR),
                Short.toUnsignedInt(p.getShort(8)),
                Byte.toUnsignedInt(p.get(10)),
                a.u32(NDA_MASTER, 0));
    }

    // ---------------------------------------------------------------- events

    /** Decodes a multicast notification, or returns null for message types that are not events. */
    public static NetlinkEvent decodeEvent(NlMessage m) {
        return switch (m.type()) {
            case RTM_NEWLINK, RTM_DELLINK -> new NetlinkEvent.LinkEvent(m.type() == RTM_DELLINK, decodeLink(m));
            case RTM_NEWADDR, RTM_DELADDR -> new NetlinkEvent.AddressEvent(m.type() == RTM_DELADDR, decodeAddress(m));
            case RTM_NEWROUTE, RTM_DELROUTE -> new NetlinkEvent.RouteEvent(m.type() == RTM_DELROUTE, decodeRoute(m));
            case RTM_NEWNEIGH, RTM_DELNEIGH ->
                new NetlinkEvent.NeighbourEvent(m.type() == RTM_DELNEIGH, decodeNeighbour(m));
            default -> null;
        };
    }

    private static void require(ByteBuffer p, int len, String what) {
        if (p.limit() < len) {
            throw new NetlinkDecodeException(what + " needs " + len + " bytes, message has " + p.limit());
        }
    }
}
