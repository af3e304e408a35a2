package dev.weft.datapath.netlink;

import dev.weft.datapath.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A bound NETLINK_ROUTE socket (FFM). Request/response methods are synchronized, so one socket can
 * be shared; the socket belongs to the network namespace of the thread that opened it, for its
 * whole life, whichever thread later uses it.
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final int RECV_BUFFER = 64 * 1024;
    private static final int DUMP_RETRIES = 5;

    private final int fd;
    private final int portId;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment recvBuf;
    private final MemorySegment state;
    private final MemorySegment kernelAddr;
    private int seq;
    private boolean closed;

    private NetlinkSocket(int fd, int portId) {
        this.fd = fd;
        this.portId = portId;
        this.recvBuf = arena.allocate(RECV_BUFFER, 8);
        this.state = Libc.newCapture(arena);
        this.kernelAddr = arena.allocate(12);
        kernelAddr.set(ValueLayout.JAVA_SHORT, 0, (short) Rtnl.AF_NETLINK);
        this.seq = (int) (System.nanoTime() & 0x3fffffff);
    }

    /** Opens a socket in the calling thread's network namespace, joined to the given multicast groups. */
    public static NetlinkSocket open(int... groups) {
        int fd = NetlinkSyscalls.socket();
        try {
            NetlinkSyscalls.setsockoptInt(
                    fd, NetlinkSyscalls.SOL_NETLINK, NetlinkSyscalls.NETLINK_EXT_ACK, 1, "NETLINK_EXT_ACK");
            if (groups.length > 0) {
                NetlinkSyscalls.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, 4 << 20, "SO_RCVBUFFORCE");
            } else {
                NetlinkSyscalls.setReceiveTimeout(fd, 10_000);
            }
            int port = NetlinkSyscalls.bindNetlink(fd);
            for (int g : groups) {
                NetlinkSyscalls.setsockoptInt(
                        fd,
                        NetlinkSyscalls.SOL_NETLINK,
                        NetlinkSyscalls.NETLINK_ADD_MEMBERSHIP,
                        g,
                        "NETLINK_ADD_MEMBERSHIP " + g);
            }
            return new NetlinkSocket(fd, port);
        } catch (RuntimeException e) {
            NetlinkSyscalls.close(fd);
            throw e;
        }
    }

    public int portId() {
        return portId;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    private int send(NlMessageWriter w) {
        checkOpen();
        int s = ++seq;
        byte[] bytes = w.finish(s, portId);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(bytes.length, 8);
            MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, 0, bytes.length);
            NetlinkSyscalls.sendToKernel(fd, m, bytes.length, state, kernelAddr);
        }
        return s;
    }

    /**
     * Receives one datagram and splits it. Returns an empty list on timeout for request sockets;
     * throws {@link NetlinkException} with ENOBUFS when the kernel dropped notifications.
     */
    List<NlMessage> receiveDatagram(String what) {
        checkOpen();
        long n = NetlinkSyscalls.receive(fd, recvBuf, state);
        if (n < 0) {
            int errno = (int) -n;
            if (errno == Errno.EAGAIN) {
                throw new NetlinkException(110, what + " (no answer from the kernel within 10 s)", null);
            }
            throw new NetlinkException(errno, "recv(netlink) for " + what, null);
        }
        if (n > RECV_BUFFER) {
            throw new NetlinkDecodeException(
                    "netlink datagram of " + n + " bytes exceeds the " + RECV_BUFFER + "-byte buffer");
        }
        byte[] copy = recvBuf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        return NlMessage.split(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
    }

    /** Sends a request that carries NLM_F_ACK and waits for the ACK; errors become {@link NetlinkException}. */
    public synchronized void requestAck(NlMessageWriter w, String description) {
        int s = send(w);
        while (true) {
            for (NlMessage m : receiveDatagram(description)) {
                if (m.seq() != s) continue;
                if (m.type() == Rtnl.NLMSG_ERROR) {
                    NlMessage.ErrorInfo e = m.error();
                    if (e.errno() != 0) throw new NetlinkException(e.errno(), description, e.kernelMessage());
                    return;
                }
            }
        }
    }

    /** Sends a non-dump GET and returns the single answer. */
    public synchronized NlMessage requestOne(NlMessageWriter w, String description) {
        int s = send(w);
        while (true) {
            for (NlMessage m : receiveDatagram(description)) {
                if (m.seq() != s) continue;
                if (m.type() == Rtnl.NLMSG_ERROR) {
                    NlMessage.ErrorInfo e = m.error();
                    throw new NetlinkException(
                            e.errno() == 0 ? Errno.ENOENT : e.errno(), description, e.kernelMessage());
                }
                return m;
            }
        }
    }

    /** Sends a dump request and collects all parts; an interrupted dump (NLM_F_DUMP_INTR) is retried. */
    public synchronized List<NlMessage> requestDump(NlMessageWriter w, String description) {
        for (int attempt = 0; ; attempt++) {
            int s = send(w);
            List<NlMessage> out = new ArrayList<>();
            boolean interrupted = false;
            boolean done = false;
            while (!done) {
                for (NlMessage m : receiveDatagram(description)) {
                    if (m.seq() != s) continue;
                    if ((m.flags() & Rtnl.NLM_F_DUMP_INTR) != 0) interrupted = true;
                    if (m.type() == Rtnl.NLMSG_DONE) {
                        int err = m.payload().limit() >= 4 ? -m.payload().getInt(0) : 0;
                        if (err > 0) throw new NetlinkException(err, description, null);
                        done = true;
                        break;
                    }
                    if (m.type() == Rtnl.NLMSG_ERROR) {
                        NlMessage.ErrorInfo e = m.error();
                        throw new NetlinkException(e.errno(), description, e.kernelMessage());
                    }
                    out.add(m);
                }
            }
            if (!interrupted || attempt >= DUMP_RETRIES) return out;
        }
    }

    /** Waits up to {@code timeoutMillis} for the socket to become readable. */
    boolean awaitReadable(int timeoutMillis) {
        checkOpen();
        return NetlinkSyscalls.pollIn(fd, timeoutMillis);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            NetlinkSyscalls.close(fd);
            arena.close();
        }
    }
}
