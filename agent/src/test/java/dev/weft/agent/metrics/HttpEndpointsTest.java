package dev.weft.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 5 on loopback: a flood of concurrent clients and clients that hold connections open (what a pod on
 * the host network can do) are answered 503 or cut off at the deadline, counted by reason, while no more than the
 * bound are ever served at once and a normal request is served again as soon as the flood stops.
 */
class HttpEndpointsTest {
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Socket> sockets = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile CountDownLatch scrapeGate = new CountDownLatch(0);
    private HttpEndpoints http;

    private InetSocketAddress start(int bound, Duration deadline) throws IOException {
        MetricsRegistry metrics = new MetricsRegistry();
        metrics.register(sink -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                scrapeGate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            sink.gauge("test_up", "up", Map.of(), 1);
        });
        http = new HttpEndpoints(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                executor,
                metrics,
                List::of,
                () -> List.of("not ready: test"),
                bound,
                deadline);
        return http.address();
    }

    /** Polls {@code cond} until it holds; fails after {@code max}. */
    private static void waitUntil(Duration max, java.util.concurrent.Callable<Boolean> cond) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (!cond.call()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met within " + max);
            Thread.sleep(20);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : sockets) s.close();
        if (http != null) http.close();
        executor.shutdownNow();
    }

    private Socket open(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(to, 2_000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Status code and body of one GET on its own connection. */
    private static String get(InetSocketAddress to, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, 2_000);
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return r.substring(9, 12) + " " + r.substring(r.indexOf("\r\n\r\n") + 4);
        }
    }

    private static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            while (in.read() != -1) {
                // drain whatever was answered
            }
            return true;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void aFloodOfConcurrentScrapesIsServedUpToTheBoundAndTheRestAnswered503() throws Exception {
        InetSocketAddress to = start(4, Duration.ofSeconds(10));
        scrapeGate = new CountDownLatch(1); // scrapes hold their slots until the flood has been answered
        int clients = 200;
        Map<String, AtomicInteger> codes = new ConcurrentHashMap<>();
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService clientThreads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                done.add(clientThreads.submit(() -> {
                    String code = get(to, "/metrics").substring(0, 3);
                    codes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                    return null;
                }));
            }
            waitUntil(
                    Duration.ofSeconds(30),
                    () -> codes.getOrDefault("503", new AtomicInteger()).get() == clients - 4);
            assertThat(inFlight)
                    .as("the bound is held by the scrapes in progress")
                    .hasValue(4);
            scrapeGate.countDown();
            for (Future<?> f : done) f.get();
        }
        assertThat(codes.get("200")).hasValue(4);
        assertThat(codes.get("503")).hasValue(clients - 4);
        assertThat(codes).containsOnlyKeys("200", "503");
        assertThat(maxInFlight).as("never more than the bound at once").hasValue(4);
        String metrics = get(to, "/metrics");
        assertThat(metrics).startsWith("200").contains("weft_http_refused_total{reason=\"busy\"} " + (clients - 4));
        assertThat(get(to, "/healthz")).isEqualTo("200 ok\n");
        assertThat(get(to, "/readyz")).isEqualTo("503 not ready: test\n");
    }

    @Test
    void clientsThatHoldConnectionsAreCutOffAtTheDeadline() throws Exception {
        InetSocketAddress to = start(4, Duration.ofMillis(700));
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = open(to);
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            slow.add(s); // never ends its head
        }
        Socket trickle = open(to);
        slow.add(trickle);
        waitUntil(Duration.ofSeconds(5), () -> get(to, "/healthz").startsWith("503"));
        OutputStream out = trickle.getOutputStream();
        for (int i = 0; i < 5; i++) {
            out.write('G'); // a byte now and then: never idle, still cut off at the absolute deadline
            Thread.sleep(100); // pacing the trickling client, not waiting for a condition
        }
        for (Socket s : slow) assertThat(closedByServer(s)).isTrue();
        waitUntil(
                Duration.ofSeconds(5),
                () -> http != null && get(to, "/metrics").contains("weft_http_refused_total{reason=\"deadline\"} 4"));
        assertThat(get(to, "/healthz")).isEqualTo("200 ok\n");
    }

    @Test
    void badAndOversizedRequestHeadsAreRefusedAndCounted() throws Exception {
        InetSocketAddress to = start(4, Duration.ofSeconds(5));
        Socket big = open(to);
        big.getOutputStream()
                .write(("GET /metrics HTTP/1.1\r\nX: " + "a".repeat(9_000) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(big.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 431");
        Socket garbage = open(to);
        garbage.getOutputStream().write("\u0000\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new String(garbage.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 400");
        Socket post = open(to);
        post.getOutputStream().write("POST /metrics HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(post.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                .startsWith("HTTP/1.1 405");
        assertThat(get(to, "/metrics")).contains("weft_http_refused_total{reason=\"bad_request\"} 2");
        assertThat(get(to, "/nope")).startsWith("404");
    }
}
