package dev.weft.e2e.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A process started inside a lab namespace ({@code ip netns exec} replaces itself with the command,
 * so {@link #pid()} is the command's own pid). Output (stdout and stderr merged) is in {@link #logFile()}.
 */
public final class LabProcess {
    /** Default time between SIGTERM and SIGKILL in {@link #stop()}. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(3);

    private final String namespace;
    private final String name;
    private final Path log;
    private final ProcessHandle handle;
    private final long startMillis;
    private final Process process; // null when attached from a state file (not our child)

    LabProcess(String namespace, String name, Path log, ProcessHandle handle, long startMillis, Process process) {
        this.namespace = namespace;
        this.name = name;
        this.log = log;
        this.handle = handle;
        this.startMillis = startMillis;
        this.process = process;
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    public long pid() {
        return handle.pid();
    }

    public Path logFile() {
        return log;
    }

    long startMillis() {
        return startMillis;
    }

    public boolean isAlive() {
        return process != null ? process.isAlive() : handle.isAlive();
    }

    /** Exit code once the process has ended (128 + signal if killed by a signal); empty while it runs or if unknown. */
    public OptionalInt exitCode() {
        if (process == null || process.isAlive()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(process.exitValue());
    }

    /** Everything the process has written so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    public List<String> logLines() {
        return log().lines().toList();
    }

    /** Waits for the first log line containing {@code text}; see {@link #awaitLine(Predicate, String, Duration)}. */
    public String awaitLine(String text, Duration timeout) {
        return awaitLine(l -> l.contains(text), "a line containing '" + text + "'", timeout);
    }

    public String awaitLine(Pattern pattern, Duration timeout) {
        return awaitLine(l -> pattern.matcher(l).find(), "a line matching /" + pattern + "/", timeout);
    }

    /**
     * Waits until a complete log line matches and returns it. Fails at once (with the log tail) if
     * the process exits without printing it, or with {@link LabTimeoutException} at the deadline.
     */
    public String awaitLine(Predicate<String> matches, String what, Duration timeout) {
        try {
            return Await.value(what + " from " + this, timeout, () -> {
                boolean alive = isAlive(); // read before the log, so a final line is not missed
                Optional<String> hit = completeLines().stream().filter(matches).findFirst();
                if (hit.isEmpty() && !alive) {
                    throw new LabException(this + " exited (" + describeExit() + ") without printing " + what
                            + "; log tail:\n" + tail(20));
                }
                return hit;
            });
        } catch (LabTimeoutException e) {
            throw new LabTimeoutException(e.getMessage() + "; log tail:\n" + tail(20));
        }
    }

    private List<String> completeLines() {
        String s = log();
        int end = s.lastIndexOf('\n');
        return end < 0 ? List.of() : s.substring(0, end).lines().toList();
    }

    /** Last {@code n} lines of the log, for failure messages. */
    public String tail(int n) {
        List<String> lines = logLines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /** Waits for the process to end and returns its exit code (-1 if it is not our child). */
    public int awaitExit(Duration timeout) {
        Await.until(this + " to exit", timeout, () -> !isAlive());
        return exitCode().orElse(-1);
    }

    /** SIGTERM, then SIGKILL after {@link #DEFAULT_GRACE}; returns the exit code (-1 if unknown). */
    public int stop() {
        return stop(DEFAULT_GRACE);
    }

    /**
     * Stops the process: SIGTERM (plus SIGCONT, so a suspended process can act on it), SIGKILL if it
     * is still alive after {@code grace}; children it leaves behind are killed too.
     */
    public int stop(Duration grace) {
        List<ProcessHandle> children = handle.descendants().toList();
        if (isAlive()) {
            terminate();
            if (!waitFor(grace)) {
                handle.destroyForcibly();
                waitFor(Duration.ofSeconds(5));
            }
        }
        children.forEach(ProcessHandle::destroyForcibly);
        if (isAlive()) {
            throw new LabException(this + " survived SIGKILL");
        }
        return exitCode().orElse(-1);
    }

    /** SIGTERM (plus SIGCONT so a suspended process can act on it) without waiting. */
    void terminate() {
        if (isAlive()) {
            handle.destroy();
            signal("CONT");
        }
    }

    /** SIGKILL now (what {@code kill -9} does to an agent). */
    public void kill() {
        handle.destroyForcibly();
        waitFor(Duration.ofSeconds(5));
    }

    /** SIGSTOP: the process hangs without exiting (a hung member for failure-detection tests). */
    public void suspend() {
        signal("STOP");
    }

    /** SIGCONT: resumes a suspended process. */
    public void resume() {
        signal("CONT");
    }

    /** True if the process is in state T (stopped by a signal). */
    public boolean isSuspended() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
            String afterComm = stat.substring(stat.lastIndexOf(')') + 2);
            return afterComm.startsWith("T");
        } catch (IOException e) {
            return false;
        }
    }

    private void signal(String sig) {
        if (!isAlive()) {
            return;
        }
        // The shell's built-in kill: no procps needed on a minimal machine.
        ExecResult r = Cmd.run(List.of("sh", "-c", "kill -" + sig + " " + pid()));
        if (!r.ok() && isAlive()) {
            throw new LabException("cannot send SIG" + sig + " to " + this + ": " + r.describeFailure());
        }
    }

    private boolean waitFor(Duration d) {
        try {
            if (process != null) {
                return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
            }
            Await.until(this + " to exit", d, () -> !handle.isAlive());
            return true;
        } catch (LabTimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while stopping " + this, e);
        }
    }

    private String describeExit() {
        return exitCode().isPresent() ? "exit code " + exitCode().getAsInt() : "exit code unknown";
    }

    @Override
    public String toString() {
        return "process '" + name + "' pid=" + pid() + " in " + namespace;
    }
}
