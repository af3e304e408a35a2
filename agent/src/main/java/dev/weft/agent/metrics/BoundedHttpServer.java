package dev.weft.agent.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A minimal HTTP/1.1 server for small read-only GET endpoints, bounded so that a client on the host network cannot
 * starve the agent (issue 13 item 5): at most {@code maxConcurrent} connections are served at once and every further
 * one is answered {@code 503} at accept and closed; each served connection has an absolute deadline (request head
 * read, handler, response written; the connection is closed when it passes, slow readers and writers included); the
 * request head is at most {@link #MAX_HEAD_BYTES}; one request per connection ({@code Connection: close}). Every
 * refusal is counted by reason. Work runs on the executor the agent gives (one task per served connection plus its
 * deadline watchdog, and the accept loop), so at most {@code 2 * maxConcurrent + 1} tasks are ever running.
 */
final class BoundedHttpServer implements AutoCloseable {
    static final int MAX_HEAD_BYTES = 8 << 10;

    /** Why a connection got no regular answer. Stable names for metrics; only appended. */
    enum Refusal {
        /** {@code maxConcurrent} connections were being served: answered 503 at once. */
        BUSY("busy"),
        /** The exchange outlived its deadline (a slow or stalled client): closed. */
        DEADLINE("deadline"),
        /** Not a parsable HTTP/1.x request head, or larger than {@link #MAX_HEAD_BYTES}: answered 400 or 431. */
        BAD_REQUEST("bad_request");

        final String label;

        Refusal(String label) {
            this.label = label;
        }
    }

    record Response(int status, String contentType, String body) {}

    @FunctionalInterface
    interface Handler {
        /** Called for GET and HEAD only; runs on a served connection's task. */
        Response handle(String path);
    }

    private final ServerSocket socket;
    private final Executor executor;
    private final Semaphore permits;
    private final long deadlineNanos;
    private final Handler handler;
    private final AtomicLongArray refused = new AtomicLongArray(Refusal.values().length);
    private final java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    BoundedHttpServer(InetSocketAddress bind, Executor executor, int maxConcurrent, Duration deadline, Handler handler)
            throws IOException {
        this.socket = new ServerSocket();
        this.socket.setReuseAddress(true);
        this.socket.bind(bind, 128);
        this.executor = executor;
        this.permits = new Semaphore(maxConcurrent);
        this.deadlineNanos = deadline.toNanos();
        this.handler = handler;
        executor.execute(this::acceptLoop);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    long served() {
        return served.get();
    }

    long refused(Refusal r) {
        return refused.get(r.ordinal());
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (closed) return;
                continue; // e.g. EMFILE: try the next one; nothing to log per connection
            }
            if (!permits.tryAcquire()) {
                refused.incrementAndGet(Refusal.BUSY.ordinal());
                // a short answer into a fresh socket's send buffer: never blocks the accept loop
                answerAndClose(s, 503, "busy: too many concurrent HTTP requests; retry shortly\n");
                continue;
            }
            try {
                executor.execute(() -> serve(s));
            } catch (RejectedExecutionException e) {
                permits.release();
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        long deadline = System.nanoTime() + deadlineNanos;
        AtomicBoolean done = new AtomicBoolean();
        try {
            executor.execute(() -> watch(s, deadline, done));
        } catch (RejectedExecutionException e) {
            closeQuietly(s);
            done.set(true);
            permits.release();
            return;
        }
        try {
            String head = readHead(s, deadline);
            if (head == null) {
                refused.incrementAndGet(Refusal.BAD_REQUEST.ordinal());
                write(s, 431, "text/plain; charset=utf-8", "request head too large\n", false);
                return;
            }
            String[] line = head.substring(0, head.indexOf('\r')).split(" ");
            if (line.length != 3 || !line[2].startsWith("HTTP/1.")) {
                refused.incrementAndGet(Refusal.BAD_REQUEST.ordinal());
                write(s, 400, "text/plain; charset=utf-8", "bad request\n", false);
                return;
            }
            boolean headOnly = line[0].equals("HEAD");
            if (!line[0].equals("GET") && !headOnly) {
                write(s, 405, "text/plain; charset=utf-8", "only GET and HEAD\n", false);
                return;
            }
            String path = line[1];
            int q = path.indexOf('?');
            Response r;
            try {
                r = handler.handle(q < 0 ? path : path.substring(0, q));
            } catch (RuntimeException e) {
                r = new Response(500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
            }
            write(s, r.status(), r.contentType(), r.body(), headOnly);
            served.incrementAndGet();
        } catch (SocketTimeoutException e) {
            refused.incrementAndGet(Refusal.DEADLINE.ordinal()); // the read ran into the deadline
        } catch (IOException | RuntimeException e) {
            if (System.nanoTime() - deadline >= 0) {
                refused.incrementAndGet(Refusal.DEADLINE.ordinal()); // closed by the watchdog
            }
        } finally {
            closeQuietly(s);
            if (done.compareAndSet(false, true)) permits.release();
        }
    }

    /** Closes the connection when its deadline passes (a stalled read or write then fails at once). */
    private void watch(Socket s, long deadline, AtomicBoolean done) {
        try {
            long left;
            while (!done.get() && (left = deadline - System.nanoTime()) > 0) {
                Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 50)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!done.get()) closeQuietly(s);
    }

    /** The request head up to and including the blank line, or null when it is larger than the cap. */
    private static String readHead(Socket s, long deadline) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[MAX_HEAD_BYTES];
        int n = 0;
        while (n < buf.length) {
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new SocketTimeoutException("deadline");
            s.setSoTimeout((int) Math.min((left + 999_999) / 1_000_000, Integer.MAX_VALUE));
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) throw new SocketException("closed before the request head ended");
            for (int i = Math.max(3, n); i < n + r; i++) {
                if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
                    return new String(buf, 0, i + 1, StandardCharsets.ISO_8859_1);
                }
            }
            n += r;
        }
        return null;
    }

    private static void write(Socket s, int status, String type, String body, boolean headOnly) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                + b.length + "\r\nConnection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (!headOnly) out.write(b);
        out.flush();
    }

    private static void answerAndClose(Socket s, int status, String body) {
        try (s) {
            write(s, status, "text/plain; charset=utf-8", body, false);
            s.shutdownOutput();
            // drop the request bytes that already arrived (without waiting for more), so closing does not reset the
            // connection before the client has read the answer
            InputStream in = s.getInputStream();
            in.skip(in.available());
        } catch (IOException e) {
            // the client went away: nothing to do
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
