package dev.weft.agent.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.cni.FramedChannel;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator API on a root-only Unix socket ({@code /run/weft/weft.sock}, mode 0600): one JSON request
 * frame, one JSON response frame ({@code {"ok":true,...}} or {@code {"ok":false,"error":"..."}}).
 * Frames are length-delimited like the CNI protocol ({@link FramedChannel}).
 */
public final class LocalApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalApi.class);
    static final int MAX_REQUEST = 64 * 1024;
    static final int MAX_RESPONSE = FramedChannel.MAX_FRAME;
    private static final long IO_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Handles one request; throws {@link ApiException} for an error the operator should read. */
    @FunctionalInterface
    public interface Handler {
        Map<String, Object> handle(Map<String, Object> request) throws ApiException;
    }

    /** A request the agent refuses, with a message for the operator. */
    public static final class ApiException extends Exception {
        public ApiException(String message) {
            super(message);
        }
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private volatile boolean closed;

    public LocalApi(Path path, Handler handler, ThreadFactory threads) throws IOException {
        this.path = path;
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // non-POSIX filesystem: nothing to tighten
        }
        Files.deleteIfExists(path); // a stale socket of a crashed agent
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        acceptor = threads.newThread(() -> acceptLoop(handler));
        acceptor.start();
    }

    private void acceptLoop(Handler handler) {
        while (!closed) {
            try (SocketChannel ch = server.accept();
                    FramedChannel fc = FramedChannel.wrap(ch)) {
                serve(fc, handler);
            } catch (IOException e) {
                if (!closed) log.atDebug().addKeyValue("error", e.toString()).log("local API connection failed");
            } catch (RuntimeException e) {
                log.atWarn()
                        .addKeyValue("error", e.toString())
                        .log("local API request crashed; the agent keeps running");
            }
        }
    }

    private static void serve(FramedChannel fc, Handler handler) throws IOException {
        long deadline = System.nanoTime() + IO_TIMEOUT_NANOS;
        byte[] req = fc.readFrame(MAX_REQUEST, deadline);
        Map<String, Object> response;
        try {
            Map<String, Object> request = AgentJson.parseObject(new String(req, StandardCharsets.UTF_8));
            response = new java.util.LinkedHashMap<>(handler.handle(request));
            response.putIfAbsent("ok", true);
        } catch (JsonProcessingException e) {
            response = AgentJson.obj("ok", false, "error", "malformed request: " + e.getOriginalMessage());
        } catch (ApiException e) {
            response = AgentJson.obj("ok", false, "error", e.getMessage());
        }
        fc.writeFrame(AgentJson.write(response).getBytes(StandardCharsets.UTF_8), System.nanoTime() + IO_TIMEOUT_NANOS);
    }

    /** Client side: sends one request and returns the response object. */
    public static Map<String, Object> call(Path path, Map<String, Object> request, long timeoutNanos)
            throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        try (FramedChannel fc = FramedChannel.connect(UnixDomainSocketAddress.of(path), deadline)) {
            fc.writeFrame(AgentJson.write(request).getBytes(StandardCharsets.UTF_8), deadline);
            return AgentJson.parseObject(new String(fc.readFrame(MAX_RESPONSE, deadline), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        acceptor.interrupt();
        Files.deleteIfExists(path);
    }
}
