package dev.weft.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * Where one {@code weft status} spends its time, for the footprint benchmark: when {@code WEFT_STATUS_TRACE_T0} holds
 * the wall-clock time (epoch nanoseconds) at which the caller started {@code weft}, the command prints one line to
 * stderr after its output, {@code weft-status-trace main=… connected=… answered=… parsed=… rendered=…}, each the
 * microseconds since that start (main: launcher, JVM start-up and class loading up to the command; connected: socket
 * classes and connect; answered: the agent's round trip; parsed: JSON; rendered: the view printed). The agent jar's
 * path marks main, answered (with the parse) and rendered. Off (one environment lookup) when the variable is absent.
 */
public final class StatusTrace {
    public static final String ENV = "WEFT_STATUS_TRACE_T0";
    public static final StatusTrace OFF = new StatusTrace(-1);

    private final long t0;
    private final StringBuilder line;

    private StatusTrace(long t0) {
        this.t0 = t0;
        this.line = t0 < 0 ? null : new StringBuilder("weft-status-trace");
    }

    public static StatusTrace from(Map<String, String> env) {
        String v = env.get(ENV);
        if (v == null) return OFF;
        try {
            return new StatusTrace(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return OFF;
        }
    }

    /** Records that {@code what} is done now. */
    public void mark(String what) {
        if (line == null) return;
        Instant now = Instant.now();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        line.append(' ').append(what).append('=').append((nanos - t0) / 1000);
    }

    public void print(PrintStream err) {
        if (line != null) err.println(line);
    }
}
