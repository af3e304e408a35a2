package dev.weft.agent.cni;

import dev.weft.cni.CniError;
import dev.weft.cni.FramedChannel;
import dev.weft.cni.ProtoMessages;
import dev.weft.cni.proto.CniRequest;
import dev.weft.cni.proto.CniResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's CNI endpoint: a Unix socket (root-only, default {@code /run/weft/cni.sock}) on which the
 * plugin sends one framed {@link CniRequest} per connection and gets one {@link CniResponse} back.
 *
 * <p>Starts no threads: the accept loop and every connection run as tasks on the executor given by the
 * caller (the agent passes a virtual-thread-per-task executor). Concurrency control between containers
 * is the {@link CniHandler}'s.
 */
public final class CniServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CniServer.class);

    /** How long a connected plugin may take to send its request. */
    static final long REQUEST_TIMEOUT_NANOS = 10_000_000_000L;
    /** How long writing the answer may take. */
    static final long RESPONSE_TIMEOUT_NANOS = 10_000_000_000L;

    private final Path socketPath;
    private final Executor executor;
    private final CniHandler handler;
    private volatile ServerSocketChannel server;
    private volatile boolean closed;

    public CniServer(Path socketPath, Executor executor, CniHandler handler) {
        this.socketPath = socketPath;
        this.executor = executor;
        this.handler = handler;
    }

    public Path socketPath() {
        return socketPath;
    }

    /** The handler's counters (requests by command, errors, not-ready answers, bad frames). */
    public CniStats.Snapshot handlerStats() {
        return handler.stats().snapshot();
    }

    /**
     * Binds the socket (replacing a stale socket file of an earlier run, creating the directory, mode 0600)
     * and starts accepting on the executor.
     */
    public synchronized void start() throws IOException {
        if (server != null) throw new IllegalStateException("already started");
        Path dir = socketPath.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        if (Files.exists(socketPath)) {
            // A socket file of a crashed run is removed; one with a live listener belongs to another agent.
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socketPath))) {
                throw new IOException("another process is already serving CNI on " + socketPath
                        + "; is a second weft agent running on this node?");
            } catch (java.net.ConnectException | java.nio.file.NoSuchFileException e) {
                Files.deleteIfExists(socketPath);
            } catch (java.net.SocketException e) {
                Files.deleteIfExists(socketPath);
            }
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socketPath), 512);
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot listen on CNI socket " + socketPath + ": " + e.getMessage(), e);
        }
        server = ch;
        executor.execute(this::acceptLoop);
        log.info("CNI server listening: socket={}", socketPath);
    }

    private void acceptLoop() {
        ServerSocketChannel ch = server;
        while (!closed) {
            SocketChannel c;
            try {
                c = ch.accept();
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                if (closed) return;
                log.warn("CNI socket accept failed: socket={} error=\"{}\"", socketPath, e.toString());
                continue;
            }
            try {
                executor.execute(() -> serve(c));
            } catch (RejectedExecutionException e) {
                closeQuietly(c);
                if (closed) return;
                log.warn("CNI request dropped, executor rejected it: socket={}", socketPath);
            }
        }
    }

    private void serve(SocketChannel c) {
        try (FramedChannel fc = FramedChannel.wrap(c)) {
            CniRequest req;
            try {
                byte[] frame = fc.readFrame(FramedChannel.MAX_FRAME, System.nanoTime() + REQUEST_TIMEOUT_NANOS);
                req = ProtoMessages.parseRequest(frame);
            } catch (IOException e) { // includes InvalidProtocolBufferException and FrameException
                handler.stats().badFrames.incrementAndGet();
                CniResponse bad = ProtoMessages.errorResponse(
                        new CniError(
                                CniError.DECODE_FAILURE,
                                "the weft agent could not read the plugin's request: " + e.getMessage(),
                                "plugin and agent must come from the same Weft release"),
                        null);
                try {
                    fc.writeFrame(bad.toByteArray(), System.nanoTime() + RESPONSE_TIMEOUT_NANOS);
                } catch (IOException ignored) {
                    // the peer is gone or not a plugin; nothing more to say
                }
                return;
            }
            CniResponse resp = handler.handle(req);
            fc.writeFrame(resp.toByteArray(), System.nanoTime() + RESPONSE_TIMEOUT_NANOS);
        } catch (IOException e) {
            log.debug("CNI connection ended early: error=\"{}\"", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        ServerSocketChannel ch = server;
        if (ch != null) {
            closeQuietly(ch);
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException e) {
                log.warn("could not remove CNI socket file: socket={} error=\"{}\"", socketPath, e.toString());
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
