package dev.weft.datapath.netlink;

import java.util.ArrayList;
import java.util.List;

/**
 * A subscription to rtnetlink multicast groups (links, routes, neighbours, addresses). Starts no
 * thread: the caller loops on {@link #poll(int)} on a thread of its choice. When the kernel
 * drops notifications (socket overrun, ENOBUFS) {@link #poll} returns a single
 * {@link NetlinkEvent.Overrun}: the caller should resynchronise (reconcile).
 * Not thread-safe; close it from the polling thread or after polling stopped.
 */
public final class NetlinkEvents implements AutoCloseable {
    /** Default groups: links, IPv4/IPv6 routes, neighbours (incl. FDB). */
    public static final int[] DEFAULT_GROUPS = {
        Rtnl.RTNLGRP_LINK, Rtnl.RTNLGRP_NEIGH, Rtnl.RTNLGRP_IPV4_ROUTE, Rtnl.RTNLGRP_IPV6_ROUTE
    };

    private final NetlinkSocket socket;
    private long malformed;

    NetlinkEvents(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Subscribes in the calling thread's namespace. */
    public static NetlinkEvents open(int... groups) {
        return new NetlinkEvents(NetlinkSocket.open(groups.length == 0 ? DEFAULT_GROUPS : groups));
    }

    /**
     * Waits up to {@code timeoutMillis} (0 = don't wait) for notifications and returns those of one
     * datagram (empty on timeout). Returns a list holding one {@link NetlinkEvent.Overrun} when events were lost.
     */
    public List<NetlinkEvent> poll(int timeoutMillis) {
        if (!socket.awaitReadable(timeoutMillis)) return List.of();
        List<NlMessage> msgs;
        try {
            msgs = socket.receiveDatagram("event receive");
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOBUFS) return List.of(new NetlinkEvent.Overrun());
            throw e;
        }
        List<NetlinkEvent> out = new ArrayList<>(msgs.size());
        for (NlMessage m : msgs) {
            try {
                NetlinkEvent e = RtnlCodec.decodeEvent(m);
                if (e != null) out.add(e);
            } catch (NetlinkDecodeException ex) {
                malformed++;
            }
        }
        return out;
    }

    /** Notifications that could not be decoded (counted, not thrown). */
    public long malformedCount() {
        return malformed;
    }

    @Override
    public void close() {
        socket.close();
    }
}
