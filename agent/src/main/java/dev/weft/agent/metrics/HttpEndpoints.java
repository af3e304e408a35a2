package dev.weft.agent.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Read-only HTTP: {@code /metrics} (Prometheus text, {@link MetricsRegistry}), {@code /healthz} (the agent's loop is alive) and
 * {@code /readyz} (this node owns space and its datapath is programmed; the body says what is missing).
 *
 * <p>Bounded (issue 13 item 5): at most {@link #MAX_CONCURRENT} requests are served at once, each within
 * {@link #DEADLINE}; more are answered 503 at once and slow clients are cut off at the deadline, each counted in
 * {@code weft_http_refused_total{reason=busy|deadline|bad_request}}. So a pod on the host network that floods or
 * holds connections costs at most that many short tasks, never the agent's loops or the CNI server. (It can still
 * make this endpoint answer 503 while it keeps the slots busy: firewall port 6772 to the kubelet and monitoring.)
 */
public final class HttpEndpoints implements AutoCloseable {
    /** Requests served at once; scrapes are built from snapshots, so a handful is plenty for kubelet + Prometheus. */
    public static final int MAX_CONCURRENT = 8;
    /** Whole exchange per connection: request head read, answer built and written. */
    public static final Duration DEADLINE = Duration.ofSeconds(5);

    /** Readiness: empty list = ready; otherwise the reasons, each a sentence an operator can act on. */
    public interface Probe {
        List<String> problems();
    }

    private final BoundedHttpServer server;

    /**
     * @param executor runs the accept loop and one task per served request (plus its deadline watchdog); give it one
     *     that runs each task on its own (virtual) thread
     */
    public HttpEndpoints(
            InetSocketAddress bind, Executor executor, MetricsRegistry metrics, Probe liveness, Probe readiness)
            throws IOException {
        this(bind, executor, metrics, liveness, readiness, MAX_CONCURRENT, DEADLINE);
    }

    /** With other bounds (tests). */
    HttpEndpoints(
            InetSocketAddress bind,
            Executor executor,
            MetricsRegistry metrics,
            Probe liveness,
            Probe readiness,
            int maxConcurrent,
            Duration deadline)
            throws IOException {
        server = new BoundedHttpServer(bind, executor, maxConcurrent, deadline, path -> switch (path) {
            case "/metrics" -> new BoundedHttpServer.Response(200, MetricsRegistry.CONTENT_TYPE, metrics.scrape());
            case "/healthz" -> probe(liveness);
            case "/readyz" -> probe(readiness);
            default ->
                new BoundedHttpServer.Response(
                        404, "text/plain; charset=utf-8", "not found: try /metrics, /healthz, /readyz\n");
        });
        metrics.register(sink -> {
            sink.counter("weft_http_requests_total", "HTTP requests answered by a handler.", Map.of(), server.served());
            for (BoundedHttpServer.Refusal r : BoundedHttpServer.Refusal.values()) {
                sink.counter(
                        "weft_http_refused_total",
                        "HTTP connections refused or cut off, by reason (busy: over the concurrency bound; deadline: "
                                + "too slow; bad_request: not a valid request head).",
                        Map.of("reason", r.label),
                        server.refused(r));
            }
        });
    }

    public InetSocketAddress address() {
        return server.address();
    }

    private static BoundedHttpServer.Response probe(Probe p) {
        List<String> problems = p.problems();
        return problems.isEmpty()
                ? new BoundedHttpServer.Response(200, "text/plain; charset=utf-8", "ok\n")
                : new BoundedHttpServer.Response(503, "text/plain; charset=utf-8", String.join("\n", problems) + "\n");
    }

    @Override
    public void close() {
        server.close();
    }
}
