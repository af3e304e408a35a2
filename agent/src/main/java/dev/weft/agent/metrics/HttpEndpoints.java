package dev.weft.agent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Read-only HTTP: {@code /metrics} (Prometheus text), {@code /healthz} (the agent's loop is alive) and
 * {@code /readyz} (this node owns space and its datapath is programmed; the body says what is missing).
 */
public final class HttpEndpoints implements AutoCloseable {

    /** Readiness: empty list = ready; otherwise the reasons, each a sentence an operator can act on. */
    public interface Probe {
        List<String> problems();
    }

    private final HttpServer server;

    public HttpEndpoints(
            InetSocketAddress bind, Executor executor, MetricsRegistry metrics, Probe liveness, Probe readiness)
            throws IOException {
        server = HttpServer.create(bind, 16);
        server.setExecutor(executor);
        server.createContext(
                "/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics::scrape));
        server.createContext("/healthz", ex -> probe(ex, liveness));
        server.createContext("/readyz", ex -> probe(ex, readiness));
        server.createContext(
                "/",
                ex -> respond(
                        ex, 404, "text/plain; charset=utf-8", () -> "not found: try /metrics, /healthz, /readyz\n"));
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void probe(HttpExchange ex, Probe p) throws IOException {
        List<String> problems = p.problems();
        if (problems.isEmpty()) {
            respond(ex, 200, "text/plain; charset=utf-8", () -> "ok\n");
        } else {
            respond(ex, 503, "text/plain; charset=utf-8", () -> String.join("\n", problems) + "\n");
        }
    }

    private static void respond(HttpExchange ex, int code, String type, Supplier<String> body) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(code, -1);
                return;
            }
            ex.sendResponseHeaders(code, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
