package dev.weft.datapath.sleeve;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A TUN device (L3, no packet-info header) opened through FFM. Every queue is one file descriptor;
 * with {@code queues > 1} the device is multi-queue and the kernel spreads flows over the queues.
 * With {@code vnetHdr} every packet read or written is preceded by a 10-byte
 * {@code struct virtio_net_hdr} (see {@link VnetHdr}) and the offloads given to {@link #open} are
 * enabled, so the kernel may hand over TCP segments of up to 64 KiB (TSO) with a partial checksum.
 *
 * <p>The device is created in the network namespace of the calling thread. Open it from a platform
 * thread that has {@code setns}-ed into the target namespace (e.g. {@code NetlinkNamespace.call}).
 * The descriptors are non-blocking and may then be used from any thread; each queue must be read by
 * one thread at a time.
 */
public final class TunDevice implements AutoCloseable {
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    static final short IFF_MULTI_QUEUE = 0x0100;

    /** Offload bits for TUNSETOFFLOAD ({@code TUN_F_*}). */
    public static final int TUN_F_CSUM = 0x01;

    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;

    private final String name;
    private final int[] fds;
    private final boolean vnetHdr;
    private volatile boolean closed;

    private TunDevice(String name, int[] fds, boolean vnetHdr) {
        this.name = name;
        this.fds = fds;
        this.vnetHdr = vnetHdr;
    }

    /**
     * Creates (or attaches to) TUN device {@code name} with {@code queues} queues. {@code offloads}
     * is a mask of {@code TUN_F_*} bits and only applies with {@code vnetHdr}.
     *
     * @throws TunException naming the failing call and errno (EPERM: no CAP_NET_ADMIN; ENOENT: no TUN)
     */
    public static TunDevice open(String name, int queues, boolean vnetHdr, int offloads) {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length > 15) {
            throw new IllegalArgumentException("TUN device name must be 1..15 ASCII characters, got '" + name + "'");
        }
        if (queues < 1 || queues > 64) {
            throw new IllegalArgumentException("queues must be 1..64, got " + queues);
        }
        short flags = (short) (IFF_TUN | IFF_NO_PI | (vnetHdr ? IFF_VNET_HDR : 0) | (queues > 1 ? IFF_MULTI_QUEUE : 0));
        List<Integer> opened = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            for (int q = 0; q < queues; q++) {
                int fd = TunSys.openRdwr("/dev/net/tun");
                opened.add(fd);
                MemorySegment ifr = a.allocate(40);
                ifr.fill((byte) 0);
                MemorySegment.copy(nameBytes, 0, ifr, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
                ifr.set(ValueLayout.JAVA_SHORT, 16, flags);
                TunSys.ioctl(fd, TUNSETIFF, ifr, "ioctl(TUNSETIFF " + name + ")");
                if (vnetHdr) {
                    MemorySegment sz = a.allocate(ValueLayout.JAVA_INT);
                    sz.set(ValueLayout.JAVA_INT, 0, VnetHdr.SIZE);
                    TunSys.ioctl(fd, TUNSETVNETHDRSZ, sz, "ioctl(TUNSETVNETHDRSZ " + name + ")");
                    // TUNSETOFFLOAD takes the value itself, not a pointer
                    TunSys.ioctl(
                            fd,
                            TUNSETOFFLOAD,
                            MemorySegment.ofAddress(offloads & 0xffffffffL),
                            "ioctl(TUNSETOFFLOAD " + name + ")");
                }
            }
        } catch (RuntimeException e) {
            for (int fd : opened) {
                try {
                    TunSys.close(fd);
                } catch (RuntimeException ignored) {
                    // already failing
                }
            }
            throw e;
        }
        int[] fds = opened.stream().mapToInt(Integer::intValue).toArray();
        return new TunDevice(name, fds, vnetHdr);
    }

    public String name() {
        return name;
    }

    public int queues() {
        return fds.length;
    }

    public boolean vnetHdr() {
        return vnetHdr;
    }

    /** The file descriptor of queue {@code q}. */
    int fd(int q) {
        return fds[q];
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes every queue; the kernel deletes the device when the last descriptor closes. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (int fd : fds) {
            TunSys.close(fd);
        }
    }

    /**
     * Per-thread I/O on one queue, allocation-free: read/write from/into caller memory. Not thread-safe
     * (one instance per thread).
     */
    public final class Queue {
        private final int fd;
        private final MemorySegment capture;
        private final MemorySegment pollfd;

        Queue(int q, Arena arena) {
            this.fd = fds[q];
            this.capture = TunSys.newCapture(arena);
            this.pollfd = arena.allocate(8);
        }

        /** Reads one packet; returns its length, 0 if none is ready (EAGAIN), or -errno. */
        public long read(MemorySegment into) {
            long n = TunSys.read(fd, into, into.byteSize(), capture);
            return n == -TunSys.EAGAIN ? 0 : n;
        }

        /** Writes one packet; returns bytes written or -errno (-EAGAIN when the queue is full). */
        public long write(MemorySegment packet) {
            return TunSys.write(fd, packet, packet.byteSize(), capture);
        }

        /** Waits up to {@code timeoutMillis} for a packet; true when one is ready. */
        public boolean awaitReadable(int timeoutMillis) {
            return TunSys.pollIn(fd, pollfd, timeoutMillis, capture) > 0;
        }
    }

    /** An I/O handle for queue {@code q}; its small scratch memory lives in {@code arena}. */
    public Queue queue(int q, Arena arena) {
        return new Queue(q, arena);
    }
}
