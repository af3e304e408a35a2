package dev.weft.datapath.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The datapath's only FFM glue: every libc function Weft calls (sockets, files, ioctl, poll, setns), as downcalls that
 * capture errno. Each wrapper returns what libc returns, or {@code -errno} on failure — never throws for a failed call
 * — so each caller turns failures into its own typed exception ({@code NetlinkException}, {@code TunException}) with
 * its own context. {@code EINTR} is retried (reported as a timeout by {@link #poll}).
 *
 * <p>Calls take a caller-owned errno capture segment ({@link #newCapture}) so that hot paths allocate nothing;
 * {@code Linker} and {@code SymbolLookup} appear nowhere else in the datapath.
 */
@SuppressWarnings("restricted") // FFM downcalls are the point of this class; the JVM runs with --enable-native-access
public final class Libc {
    private Libc() {}

    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_BINDTODEVICE = 25;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int MSG_TRUNC = 0x20;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final short POLLIN = 1;
    public static final short POLLOUT = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... extra) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO_OPT;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(sym, fd, opts);
    }

    private static final MethodHandle OPEN =
            fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle WRITE =
            fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle IOCTL = fn(
            "ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SOCKET =
            fn("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = fn("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME =
            fn("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT =
            fn("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO =
            fn("sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG =
            fn("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.critical(false));
    private static final MethodHandle RECVFROM =
            fn("recvfrom", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETNS = fn("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    /** A segment to capture errno into, owned by the caller (one per thread that calls). */
    public static MemorySegment newCapture(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    private static int intResult(int rc, MemorySegment capture) {
        return rc < 0 ? -errno(capture) : rc;
    }

    /** open(2) of {@code path} with {@code flags}: the fd or -errno. */
    public static int open(MemorySegment capture, String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            while (true) {
                int fd = (int) OPEN.invokeExact(capture, a.allocateFrom(path), flags, 0);
                if (fd >= 0 || errno(capture) != EINTR) return intResult(fd, capture);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2): 0 or -errno; EINTR counts as closed (Linux frees the fd anyway). */
    public static int close(MemorySegment capture, int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(capture, fd);
            return rc < 0 && errno(capture) == EINTR ? 0 : intResult(rc, capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2): bytes read or -errno. */
    public static long read(MemorySegment capture, int fd, MemorySegment buf, long len) {
        try {
            while (true) {
                long n = (long) READ.invokeExact(capture, fd, buf, len);
                if (n >= 0) return n;
                int e = errno(capture);
                if (e != EINTR) return -e;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2): bytes written or -errno. */
    public static long write(MemorySegment capture, int fd, MemorySegment buf, long len) {
        try {
            while (true) {
                long n = (long) WRITE.invokeExact(capture, fd, buf, len);
                if (n >= 0) return n;
                int e = errno(capture);
                if (e != EINTR) return -e;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) with a pointer (or pointer-sized) argument: the result or -errno. */
    public static int ioctl(MemorySegment capture, int fd, long request, MemorySegment arg) {
        try {
            return intResult((int) IOCTL.invokeExact(capture, fd, request, arg), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * poll(2) for {@code POLLIN} on one fd, using the caller's 8-byte {@code pollfd} segment: 1 readable, 0 timeout
     * (or EINTR), -errno on error.
     */
    public static int pollIn(MemorySegment capture, int fd, MemorySegment pollfd, int timeoutMillis) {
        return poll(capture, fd, pollfd, POLLIN, timeoutMillis);
    }

    /**
     * poll(2) of one descriptor for {@code events} ({@link #POLLIN}, {@link #POLLOUT}); {@code pollfd} is an 8-byte
     * caller-owned segment. Returns 1 ready, 0 timeout (or EINTR), -errno on error.
     */
    public static int poll(MemorySegment capture, int fd, MemorySegment pollfd, short events, int timeoutMillis) {
        try {
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, events);
            pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int rc = (int) POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
            if (rc >= 0) return rc > 0 ? 1 : 0;
            int e = errno(capture);
            return e == EINTR ? 0 : -e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** socket(2): the fd or -errno. */
    public static int socket(MemorySegment capture, int domain, int type, int protocol) {
        try {
            return intResult((int) SOCKET.invokeExact(capture, domain, type, protocol), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** bind(2): 0 or -errno. */
    public static int bind(MemorySegment capture, int fd, MemorySegment addr, int len) {
        try {
            return intResult((int) BIND.invokeExact(capture, fd, addr, len), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** getsockname(2) into {@code addr}, {@code len} in/out: 0 or -errno. */
    public static int getsockname(MemorySegment capture, int fd, MemorySegment addr, MemorySegment len) {
        try {
            return intResult((int) GETSOCKNAME.invokeExact(capture, fd, addr, len), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2) with {@code value} as the option buffer: 0 or -errno. */
    public static int setsockopt(MemorySegment capture, int fd, int level, int name, MemorySegment value) {
        try {
            return intResult(
                    (int) SETSOCKOPT.invokeExact(capture, fd, level, name, value, (int) value.byteSize()), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendto(2): bytes sent or -errno (EINTR retried). */
    public static long sendto(
            MemorySegment capture, int fd, MemorySegment buf, long len, int flags, MemorySegment addr, int addrLen) {
        try {
            while (true) {
                long n = (long) SENDTO.invokeExact(capture, fd, buf, len, flags, addr, addrLen);
                if (n >= 0) return n;
                int e = errno(capture);
                if (e != EINTR) return -e;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendmsg(2) of a caller-built {@code struct msghdr}: bytes sent or -errno (EINTR retried). */
    public static long sendmsg(MemorySegment capture, int fd, MemorySegment msghdr, int flags) {
        try {
            while (true) {
                long n = (long) SENDMSG.invokeExact(capture, fd, msghdr, flags);
                if (n >= 0) return n;
                int e = errno(capture);
                if (e != EINTR) return -e;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvfrom(2) without source address: length (may exceed the buffer with MSG_TRUNC) or -errno (EINTR retried). */
    public static long recv(MemorySegment capture, int fd, MemorySegment buf, int flags) {
        try {
            while (true) {
                long n = (long) RECVFROM.invokeExact(
                        capture, fd, buf, buf.byteSize(), flags, MemorySegment.NULL, MemorySegment.NULL);
                if (n >= 0) return n;
                int e = errno(capture);
                if (e != EINTR) return -e;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2) of the calling thread: 0 or -errno. */
    public static int setns(MemorySegment capture, int fd, int nstype) {
        try {
            return intResult((int) SETNS.invokeExact(capture, fd, nstype), capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
