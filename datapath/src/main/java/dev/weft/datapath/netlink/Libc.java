package dev.weft.datapath.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls the netlink client needs, as FFM downcalls that capture errno. Each wrapper
 * returns the raw result or throws {@link NetlinkException} naming the call and the errno.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the JVM runs with --enable-native-access
final class Libc {
    private Libc() {}

    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUFFORCE = 33;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVTIMEO = 20;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_ADD_MEMBERSHIP = 1;
    static final int NETLINK_EXT_ACK = 11;
    static final int MSG_TRUNC = 0x20;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final short POLLIN = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... extra) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO_OPT;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(sym, fd, opts);
    }

    private static final MethodHandle SOCKET = fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = fn("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDTO = fn("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = fn("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = fn("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException fail(String call, MemorySegment state) {
        return new NetlinkException(errno(state), call, null);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    static int socket(int domain, int type, int protocol) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(st, domain, type, protocol);
            if (fd < 0) throw fail("socket(AF_NETLINK)", st);
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Binds a netlink socket with port id 0 (kernel assigns) and returns the assigned port id. */
    static int bindNetlink(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment sa = a.allocate(12);
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) Rtnl.AF_NETLINK);
            int rc = (int) BIND.invokeExact(st, fd, sa, 12);
            if (rc < 0) throw fail("bind(netlink)", st);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            rc = (int) GETSOCKNAME.invokeExact(st, fd, sa, len);
            if (rc < 0) throw fail("getsockname(netlink)", st);
            return sa.get(JAVA_INT, 4);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void setsockoptInt(int fd, int level, int name, int value, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            int rc = (int) SETSOCKOPT.invokeExact(st, fd, level, name, v, 4);
            if (rc < 0) throw fail("setsockopt(" + what + ")", st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void setReceiveTimeout(int fd, long millis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment tv = a.allocate(16);
            tv.set(JAVA_LONG, 0, millis / 1000);
            tv.set(JAVA_LONG, 8, (millis % 1000) * 1000);
            int rc = (int) SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            if (rc < 0) throw fail("setsockopt(SO_RCVTIMEO)", st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends {@code len} bytes of {@code buf} to the kernel (port 0). */
    static void sendToKernel(int fd, MemorySegment buf, long len, MemorySegment state, MemorySegment kernelAddr) {
        try {
            while (true) {
                long n = (long) SENDTO.invokeExact(state, fd, buf, len, 0, kernelAddr, 12);
                if (n >= 0) return;
                if (errno(state) != Errno.EINTR) throw fail("sendto(netlink)", state);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Receives one datagram; returns its full length (may exceed the buffer: MSG_TRUNC), or -errno. */
    static long receive(int fd, MemorySegment buf, MemorySegment state) {
        try {
            while (true) {
                long n = (long) RECVFROM.invokeExact(state, fd, buf, buf.byteSize(), MSG_TRUNC,
                        MemorySegment.NULL, MemorySegment.NULL);
                if (n >= 0) return n;
                int e = errno(state);
                if (e != Errno.EINTR) return -e;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits until fd is readable; true if readable, false on timeout. */
    static boolean pollIn(int fd, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment pfd = a.allocate(8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            while (true) {
                int rc = (int) POLL.invokeExact(st, pfd, 1L, timeoutMillis);
                if (rc > 0) return true;
                if (rc == 0) return false;
                if (errno(st) != Errno.EINTR) throw fail("poll(netlink)", st);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) CLOSE.invokeExact(st, fd);
            if (rc < 0 && errno(st) != Errno.EINTR) throw fail("close", st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Opens a file read-only, close-on-exec, returning its fd. */
    static int openReadOnly(Path path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment p = a.allocateFrom(path.toString());
            int fd = (int) OPEN.invokeExact(st, p, O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) throw new NetlinkException(errno(st), "open(" + path + ")", null);
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Moves the calling thread into the network namespace of {@code fd}. */
    static void setnsNet(int fd, Path what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) SETNS.invokeExact(st, fd, CLONE_NEWNET);
            if (rc < 0) throw new NetlinkException(errno(st), "setns(" + what + ", CLONE_NEWNET)", null);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static StructLayout captureLayout() {
        return CAPTURE;
    }
}
