package dev.weft.cni;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One connection of the shim protocol: length-delimited frames (varint length, then the bytes) over a
 * non-blocking socket channel, every wait bounded by a deadline ({@link System#nanoTime()} based).
 *
 * <p>Used by the plugin to talk to the agent and by the agent's CNI server for each accepted connection.
 * A frame longer than {@code maxFrame} is refused before any of it is buffered.
 */
public final class FramedChannel implements Closeable {

    /** Upper bound of any frame in either direction. */
    public static final int MAX_FRAME = 1 << 20;

    private final SocketChannel channel;
    private final Selector selector;

    private FramedChannel(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
    }

    /** Wraps an accepted or connected channel (switched to non-blocking mode). */
    public static FramedChannel wrap(SocketChannel channel) throws IOException {
        return new FramedChannel(channel);
    }

    /** Connects to {@code address} (for example a {@code UnixDomainSocketAddress}) before the deadline. */
    public static FramedChannel connect(SocketAddress address, long deadlineNanos) throws IOException {
        SocketChannel ch = SocketChannel.open(
                address instanceof java.net.UnixDomainSocketAddress
                        ? java.net.StandardProtocolFamily.UNIX
                        : java.net.StandardProtocolFamily.INET);
        FramedChannel fc;
        try {
            fc = new FramedChannel(ch);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        try {
            if (!ch.connect(address)) {
                fc.await(SelectionKey.OP_CONNECT, deadlineNanos, "connect");
                while (!ch.finishConnect()) {
                    fc.await(SelectionKey.OP_CONNECT, deadlineNanos, "connect");
                }
            }
            return fc;
        } catch (IOException | RuntimeException e) {
            fc.close();
            throw e;
        }
    }

    /** Writes one frame. */
    public void writeFrame(byte[] payload, long deadlineNanos) throws IOException {
        if (payload.length > MAX_FRAME) {
            throw new IOException("frame of " + payload.length + " bytes exceeds the limit of " + MAX_FRAME);
        }
        ByteBuffer buf = ByteBuffer.allocate(5 + payload.length);
        int n = payload.length;
        while ((n & ~0x7F) != 0) {
            buf.put((byte) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        buf.put((byte) n);
        buf.put(payload);
        buf.flip();
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(SelectionKey.OP_WRITE, deadlineNanos, "write");
            }
        }
    }

    /** Reads one frame of at most {@code maxFrame} bytes. */
    public byte[] readFrame(int maxFrame, long deadlineNanos) throws IOException {
        int len = 0;
        int shift = 0;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            readFully(one, deadlineNanos);
            int b = one.get(0) & 0xFF;
            if (shift == 28 && (b & 0xF0) != 0) throw new FrameException("frame length varint too long");
            len |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
            shift += 7;
        }
        if (len < 0 || len > maxFrame) {
            throw new FrameException(
                    "frame of " + Integer.toUnsignedString(len) + " bytes exceeds the limit of " + maxFrame);
        }
        ByteBuffer payload = ByteBuffer.allocate(len);
        readFully(payload, deadlineNanos);
        return payload.array();
    }

    private void readFully(ByteBuffer buf, long deadlineNanos) throws IOException {
        while (buf.hasRemaining()) {
            int r = channel.read(buf);
            if (r < 0) throw new EOFException("connection closed by peer");
            if (r == 0) await(SelectionKey.OP_READ, deadlineNanos, "read");
        }
    }

    private void await(int op, long deadlineNanos, String what) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) throw new SocketTimeoutException(what + " timed out");
        SelectionKey key = channel.register(selector, op);
        try {
            long ms = Math.max(1, left / 1_000_000);
            int n = selector.select(ms);
            if (n == 0 && deadlineNanos - System.nanoTime() <= 0) {
                throw new SocketTimeoutException(what + " timed out");
            }
            selector.selectedKeys().clear();
        } finally {
            key.interestOps(0);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }

    /** A frame that breaks the framing rules (too long, bad length). */
    public static final class FrameException extends IOException {
        public FrameException(String message) {
            super(message);
        }
    }
}
