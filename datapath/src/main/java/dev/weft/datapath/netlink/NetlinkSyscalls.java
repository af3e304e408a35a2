package dev.weft.datapath.netlink;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.weft.datapath.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The system calls of the netlink client, over the datapath's one FFM glue ({@link Libc}): each returns the result or
 * throws {@link NetlinkException} naming the call and the errno.
 */
final class NetlinkSyscalls {
    private NetlinkSyscalls() {}

    static final int NETLINK_ROUTE = 0;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_ADD_MEMBERSHIP = 1;
    static final int NETLINK_EXT_ACK = 11;

    private static NetlinkException fail(String call, long negErrno) {
        return new NetlinkException((int) -negErrno, call, null);
    }

    static int socket() {
        try (Arena a = Arena.ofConfined()) {
            int fd = Libc.socket(Libc.newCapture(a), Rtnl.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE);
            if (fd < 0) throw fail("socket(AF_NETLINK)", fd);
            return fd;
        }
    }

    /** Binds a netlink socket with port id 0 (kernel assigns) and returns the assigned port id. */
    static int bindNetlink(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.newCapture(a);
            MemorySegment sa = a.allocate(12);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) Rtnl.AF_NETLINK);
            int rc = Libc.bind(st, fd, sa, 12);
            if (rc < 0) throw fail("bind(netlink)", rc);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            rc = Libc.getsockname(st, fd, sa, len);
            if (rc < 0) throw fail("getsockname(netlink)", rc);
            return sa.get(JAVA_INT, 4);
        }
    }

    static void setsockoptInt(int fd, int level, int name, int value, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            int rc = Libc.setsockopt(Libc.newCapture(a), fd, level, name, v);
            if (rc < 0) throw fail("setsockopt(" + what + ")", rc);
        }
    }

    static void setReceiveTimeout(int fd, long millis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tv = a.allocate(16);
            tv.set(JAVA_LONG, 0, millis / 1000);
            tv.set(JAVA_LONG, 8, (millis % 1000) * 1000);
            int rc = Libc.setsockopt(Libc.newCapture(a), fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv);
            if (rc < 0) throw fail("setsockopt(SO_RCVTIMEO)", rc);
        }
    }

    /** Sends {@code len} bytes of {@code buf} to the kernel (port 0). */
    static void sendToKernel(int fd, MemorySegment buf, long len, MemorySegment capture, MemorySegment kernelAddr) {
        long n = Libc.sendto(capture, fd, buf, len, 0, kernelAddr, 12);
        if (n < 0) throw fail("sendto(netlink)", n);
    }

    /** Receives one datagram; returns its full length (may exceed the buffer: MSG_TRUNC), or -errno. */
    static long receive(int fd, MemorySegment buf, MemorySegment capture) {
        return Libc.recv(capture, fd, buf, Libc.MSG_TRUNC);
    }

    /** Waits until fd is readable; true if readable, false on timeout. */
    static boolean pollIn(int fd, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.pollIn(Libc.newCapture(a), fd, a.allocate(8), timeoutMillis);
            if (rc < 0) throw fail("poll(netlink)", rc);
            return rc > 0;
        }
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.close(Libc.newCapture(a), fd);
            if (rc < 0) throw fail("close", rc);
        }
    }

    /** Opens a file read-only, close-on-exec, returning its fd. */
    static int openReadOnly(Path path) {
        try (Arena a = Arena.ofConfined()) {
            int fd = Libc.open(Libc.newCapture(a), path.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
            if (fd < 0) throw fail("open(" + path + ")", fd);
            return fd;
        }
    }

    /** Moves the calling thread into the network namespace of {@code fd}. */
    static void setnsNet(int fd, Path what) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.setns(Libc.newCapture(a), fd, Libc.CLONE_NEWNET);
            if (rc < 0) throw fail("setns(" + what + ", CLONE_NEWNET)", rc);
        }
    }
}
