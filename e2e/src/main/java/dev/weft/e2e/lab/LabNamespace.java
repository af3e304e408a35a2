package dev.weft.e2e.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A network namespace of the lab (a node, a pod or the underlay) in which commands and processes run. */
public abstract sealed class LabNamespace permits LabNode, LabPod, LabUnderlay {
    private static final Pattern PING_SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

    final Lab lab;
    private final String namespace;

    LabNamespace(Lab lab, String namespace) {
        this.lab = lab;
        this.namespace = namespace;
    }

    /** The namespace name, as in {@code ip netns exec <namespace> ...}. */
    public String namespace() {
        return namespace;
    }

    /** Short name used in log paths and messages ({@code n1}, {@code n1-web}). */
    public abstract String name();

    /** Runs {@code command} inside this namespace to completion (30 s deadline); never throws on failure. */
    public ExecResult exec(List<String> command) {
        return exec(command, Cmd.DEFAULT_TIMEOUT);
    }

    public ExecResult exec(String... command) {
        return exec(List.of(command));
    }

    public ExecResult exec(List<String> command, Duration timeout) {
        return Cmd.run(wrap(command), null, timeout);
    }

    /** Runs {@code command} with {@code stdin} fed to it. */
    public ExecResult exec(List<String> command, String stdin, Duration timeout) {
        return Cmd.run(wrap(command), stdin, timeout);
    }

    /**
     * Starts a long-running process inside this namespace. Its stdout and stderr go (merged) to
     * {@code <runDir>/<node>/<name>.log}; it is stopped when the lab is torn down.
     */
    public LabProcess start(String name, List<String> command) {
        return start(name, command, Map.of());
    }

    public LabProcess start(String name, List<String> command, Map<String, String> environment) {
        return lab.startProcess(this, name, wrap(command), environment);
    }

    /** Sends {@code count} pings (10 ms apart, 1 s wait for late replies) and returns the summary. */
    public PingResult ping(String address, int count) {
        ExecResult r = exec(
                List.of("ping", "-n", "-q", "-c", Integer.toString(count), "-i", "0.01", "-W", "1", address),
                Duration.ofSeconds(10 + count / 50));
        Matcher m = PING_SUMMARY.matcher(r.stdout());
        if (!m.find()) {
            throw new LabException(
                    "unexpected ping output in " + namespace + ": " + r.describeFailure() + " stdout=" + r.stdout());
        }
        return new PingResult(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** True if one ping to {@code address} is answered. */
    public boolean canReach(String address) {
        return ping(address, 1).received() == 1;
    }

    List<String> wrap(List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return full;
    }

    @Override
    public String toString() {
        return name() + "(" + namespace + ")";
    }

    /** Packets sent and answered by {@link #ping}. */
    public record PingResult(int transmitted, int received) {
        public int lost() {
            return transmitted - received;
        }
    }
}
