package dev.weft.datapath.sleeve;

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

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls the TUN device needs (open, ioctl, read, write, poll, close) as FFM downcalls that
 * capture errno. Hot-path calls ({@link #read}, {@link #write}, {@link #poll}) return {@code -errno}
 * instead of throwing and take a caller-owned errno capture segment so they allocate nothing.
 */
final class TunSys {
    private TunSys() {}

    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final short POLLIN = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... extra) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO_OPT;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(sym, fd, opts);
    }

    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL = fn("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(false));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
            Linker.Option.critical(false));
    private static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final int SOL_SOCKET = 1;
    static final int SO_BINDTODEVICE = 25;

    /** setsockopt(SO_BINDTODEVICE): the socket then sends and receives only through {@code device}. */
    static void bindToDevice(int fd, String device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment name = a.allocateFrom(device);
            int rc = (int) SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_BINDTODEVICE, name, (int) name.byteSize());
            if (rc < 0) throw new TunException("setsockopt(SO_BINDTODEVICE " + device + ")", errno(st));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Opens {@code path} read-write, non-blocking, close-on-exec. */
    static int openRdwr(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(path), O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
            if (fd < 0) throw new TunException("open(" + path + ")", errno(st));
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl with a pointer argument; throws {@link TunException} naming {@code what}. */
    static void ioctl(int fd, long request, MemorySegment arg, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) IOCTL.invokeExact(st, fd, request, arg);
            if (rc < 0) throw new TunException(what, errno(st));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2); returns bytes read or -errno (EINTR retried). */
    static long read(int fd, MemorySegment buf, long len, MemorySegment capture) {
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

    /** write(2); returns bytes written or -errno (EINTR retried). */
    static long write(int fd, MemorySegment buf, long len, MemorySegment capture) {
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

    /**
     * Waits until {@code fd} is readable. {@code pollfd} is an 8-byte caller-owned segment. Returns
     * 1 readable, 0 timeout, -errno on error (EINTR reported as 0).
     */
    static int pollIn(int fd, MemorySegment pollfd, int timeoutMillis, MemorySegment capture) {
        try {
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int rc = (int) POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
            if (rc >= 0) return rc > 0 ? 1 : 0;
            int e = errno(capture);
            return e == EINTR ? 0 : -e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int rc = (int) CLOSE.invokeExact(st, fd);
            if (rc < 0 && errno(st) != EINTR) throw new TunException("close", errno(st));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
