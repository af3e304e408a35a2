package dev.weft.datapath.sleeve;

import dev.weft.datapath.sys.Libc;
import io.netty.buffer.ByteBuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/**
 * Sends datagrams on a sleeve socket straight from the calling thread (the queue's event loop, which read the packet
 * from the TUN device): {@code sendto(2)}, or one
 * {@code sendmsg(2)} with a {@code UDP_SEGMENT} control message for a GSO batch. Sending here instead of handing
 * the batch to the socket's event loop saves one thread wake-up per packet (the sleeve's latency, issue 17); the
 * kernel serialises concurrent sends on one UDP socket, so the event loop may still send on it (probes).
 *
 * <p>When the socket buffer is full the sender waits up to {@link #FULL_WAIT_MILLIS} for room (back-pressure into
 * the TUN queue and so into TCP), then drops and counts. Not thread-safe: one per TUN queue; its native
 * scratch lives in the caller's arena. Linux x86_64/aarch64 layouts (LP64).
 */
final class UdpSender {
    static final int FULL_WAIT_MILLIS = 10;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    /** sizeof(struct sockaddr_in) and sizeof(struct sockaddr_in6). */
    private static final int SOCKADDR_IN = 16;

    private static final int SOCKADDR_IN6 = 28;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int MSG_DONTWAIT = 0x40;
    // struct msghdr (56 bytes) / iovec (16) / cmsghdr + u16 (CMSG_SPACE(2) = 24)
    private static final long MSG_NAME = 0;
    private static final long MSG_NAMELEN = 8;
    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_CONTROL = 32;
    private static final long MSG_CONTROLLEN = 40;
    private static final int CMSG_LEN_U16 = 18;
    private static final int CMSG_SPACE_U16 = 24;
    private static final ValueLayout.OfShort SHORT_BE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    /** What a send did: sent, dropped because the socket stayed full, or failed with an error. */
    enum Result {
        SENT,
        FULL,
        ERROR
    }

    private final int fd;
    private final MemorySegment capture;
    private final MemorySegment pollfd;
    private final MemorySegment addr;
    private final MemorySegment msg;
    private final MemorySegment iov;
    private final MemorySegment cmsg;
    private InetSocketAddress lastDst;
    private ByteBuf lastBuf;
    private MemorySegment lastWhole;

    UdpSender(int fd, Arena arena) {
        this.fd = fd;
        this.capture = Libc.newCapture(arena);
        this.pollfd = arena.allocate(8);
        this.addr = arena.allocate(SOCKADDR_IN6, 8);
        this.msg = arena.allocate(56, 8);
        this.iov = arena.allocate(16, 8);
        this.cmsg = arena.allocate(CMSG_SPACE_U16, 8);
        cmsg.set(ValueLayout.JAVA_LONG, 0, CMSG_LEN_U16);
        cmsg.set(ValueLayout.JAVA_INT, 8, SOL_UDP);
        cmsg.set(ValueLayout.JAVA_INT, 12, UDP_SEGMENT);
        msg.set(ValueLayout.ADDRESS, MSG_NAME, addr);
        msg.set(ValueLayout.JAVA_INT, MSG_NAMELEN, SOCKADDR_IN);
        msg.set(ValueLayout.ADDRESS, MSG_IOV, iov);
        msg.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
    }

    /**
     * Sends {@code len} bytes of {@code buf} from {@code index} to {@code dst}; with {@code segment > 0} as a GSO
     * batch cut by the kernel into datagrams of {@code segment} bytes (the last may be shorter).
     */
    Result send(ByteBuf buf, int index, int len, InetSocketAddress dst, int segment) {
        if (!setDestination(dst)) return Result.ERROR;
        MemorySegment data = segmentOf(buf, index, len);
        iov.set(ValueLayout.ADDRESS, 0, data);
        iov.set(ValueLayout.JAVA_LONG, 8, len);
        if (segment > 0) {
            cmsg.set(ValueLayout.JAVA_SHORT, 16, (short) segment);
            msg.set(ValueLayout.ADDRESS, MSG_CONTROL, cmsg);
            msg.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, CMSG_SPACE_U16);
        } else {
            msg.set(ValueLayout.ADDRESS, MSG_CONTROL, MemorySegment.NULL);
            msg.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, 0);
        }
        long n = Libc.sendmsg(capture, fd, msg, MSG_DONTWAIT);
        if (n == -Libc.EAGAIN || n == -ENOBUFS) {
            if (Libc.poll(capture, fd, pollfd, Libc.POLLOUT, FULL_WAIT_MILLIS) <= 0) return Result.FULL;
            n = Libc.sendmsg(capture, fd, msg, MSG_DONTWAIT);
            if (n == -Libc.EAGAIN || n == -ENOBUFS) return Result.FULL;
        }
        return n < 0 ? Result.ERROR : Result.SENT;
    }

    private static final int ENOBUFS = 105;

    /**
     * Writes {@code dst} as a sockaddr_in (IPv4) or sockaddr_in6 (IPv6, scope 0) with the matching name length. The
     * socket's family should fit (the agent gives the sleeve only peers of its underlay's family); an IPv4 socket
     * refuses an IPv6 destination, and the send fails and is counted.
     */
    private boolean setDestination(InetSocketAddress dst) {
        if (dst == lastDst) return true;
        byte[] a = dst.getAddress().getAddress();
        addr.fill((byte) 0);
        addr.set(SHORT_BE, 2, (short) dst.getPort());
        if (a.length == 4) {
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            addr.set(INT_BE, 4, (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff));
            msg.set(ValueLayout.JAVA_INT, MSG_NAMELEN, SOCKADDR_IN);
        } else if (a.length == 16) {
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
            MemorySegment.copy(MemorySegment.ofArray(a), 0, addr, 8, 16); // after port and flow info
            msg.set(ValueLayout.JAVA_INT, MSG_NAMELEN, SOCKADDR_IN6);
        } else {
            return false;
        }
        lastDst = dst;
        return true;
    }

    /**
     * {@code len} bytes of {@code buf} from {@code index}, as a slice of a segment over the whole buffer made once per
     * buffer (the sender's one output buffer): {@code reinterpret} per send walked the stack for its caller check.
     */
    private MemorySegment segmentOf(ByteBuf buf, int index, int len) {
        if (buf != lastBuf) {
            lastWhole = MemorySegment.ofBuffer(buf.nioBuffer(0, buf.capacity()));
            lastBuf = buf;
        }
        return lastWhole.asSlice(index, len);
    }
}
