package dev.weft.datapath.sleeve;

import dev.weft.datapath.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The system calls the TUN device needs (open, ioctl, read, write, poll, close), over the datapath's one FFM glue
 * ({@link Libc}). Cold-path calls throw {@link TunException}; hot-path calls ({@link #read}, {@link #write},
 * {@link #pollIn}) return {@code -errno} and take a caller-owned errno capture segment so they allocate nothing.
 */
final class TunSys {
    private TunSys() {}

    static final int EAGAIN = Libc.EAGAIN;

    /** A caller-owned errno capture segment for the hot-path calls. */
    static MemorySegment newCapture(Arena arena) {
        return Libc.newCapture(arena);
    }

    /** setsockopt(SO_BINDTODEVICE): the socket then sends and receives only through {@code device}. */
    static void bindToDevice(int fd, String device) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.setsockopt(
                    Libc.newCapture(a), fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, a.allocateFrom(device));
            if (rc < 0) throw new TunException("setsockopt(SO_BINDTODEVICE " + device + ")", -rc);
        }
    }

    /** Opens {@code path} read-write, non-blocking, close-on-exec. */
    static int openRdwr(String path) {
        try (Arena a = Arena.ofConfined()) {
            int fd = Libc.open(Libc.newCapture(a), path, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd < 0) throw new TunException("open(" + path + ")", -fd);
            return fd;
        }
    }

    /** ioctl with a pointer argument; throws {@link TunException} naming {@code what}. */
    static void ioctl(int fd, long request, MemorySegment arg, String what) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.ioctl(Libc.newCapture(a), fd, request, arg);
            if (rc < 0) throw new TunException(what, -rc);
        }
    }

    /** read(2); returns bytes read or -errno (EINTR retried). */
    static long read(int fd, MemorySegment buf, long len, MemorySegment capture) {
        return Libc.read(capture, fd, buf, len);
    }

    /** write(2); returns bytes written or -errno (EINTR retried). */
    static long write(int fd, MemorySegment buf, long len, MemorySegment capture) {
        return Libc.write(capture, fd, buf, len);
    }

    /**
     * Waits until {@code fd} is readable. {@code pollfd} is an 8-byte caller-owned segment. Returns
     * 1 readable, 0 timeout, -errno on error (EINTR reported as 0).
     */
    static int pollIn(int fd, MemorySegment pollfd, int timeoutMillis, MemorySegment capture) {
        return Libc.pollIn(capture, fd, pollfd, timeoutMillis);
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.close(Libc.newCapture(a), fd);
            if (rc < 0) throw new TunException("close", -rc);
        }
    }
}
