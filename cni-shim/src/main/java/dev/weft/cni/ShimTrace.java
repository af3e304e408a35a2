package dev.weft.cni;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * Where one plugin invocation spends its time, for the CNI benchmark: when {@code WEFT_CNI_TRACE_T0} holds the
 * wall-clock time (epoch nanoseconds) at which the caller started the plugin, the plugin prints one line to stderr,
 * {@code weft-cni-trace main=… parsed=… connected=… answered=…}, each the microseconds since that start (main:
 * launcher + JVM start-up and class loading up to {@code main}; connected: socket classes and connect; answered: the
 * agent's round trip). Off (no cost beyond one environment lookup) when the variable is absent.
 */
final class ShimTrace {
    static final String ENV = "WEFT_CNI_TRACE_T0";
    private static final ShimTrace OFF = new ShimTrace(-1);

    private final long t0;
    private final StringBuilder line;

    private ShimTrace(long t0) {
        this.t0 = t0;
        this.line = t0 < 0 ? null : new StringBuilder("weft-cni-trace");
    }

    static ShimTrace from(Map<String, String> env) {
        String v = env.get(ENV);
        if (v == null) return OFF;
        try {
            return new ShimTrace(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return OFF;
        }
    }

    /** Records that {@code what} is done now. */
    void mark(String what) {
        if (line == null) return;
        Instant now = Instant.now();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        line.append(' ').append(what).append('=').append((nanos - t0) / 1000);
    }

    void print(PrintStream err) {
        if (line != null) err.println(line);
    }
}
