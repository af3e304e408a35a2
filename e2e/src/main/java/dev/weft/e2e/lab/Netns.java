package dev.weft.e2e.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Network namespace plumbing through {@code ip netns} (test tooling; the product uses netlink). */
final class Netns {
    private static final Path NETNS_DIR = Path.of("/run/netns");

    private Netns() {}

    static List<String> list() {
        ExecResult r = Cmd.run(List.of("ip", "netns", "list")).orThrow();
        List<String> names = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                names.add(t.split("\\s+", 2)[0]);
            }
        }
        return names;
    }

    static boolean exists(String ns) {
        return Files.exists(NETNS_DIR.resolve(ns));
    }

    static void add(String ns) {
        Cmd.check("ip", "netns", "add", ns);
        Cmd.check("ip", "-n", ns, "link", "set", "lo", "up");
    }

    static List<Long> pids(String ns) {
        ExecResult r = Cmd.run(List.of("ip", "netns", "pids", ns));
        List<Long> pids = new ArrayList<>();
        if (!r.ok()) {
            return pids;
        }
        for (String t : r.stdout().split("\\s+")) {
            if (!t.isBlank()) {
                pids.add(Long.parseLong(t.strip()));
            }
        }
        return pids;
    }

    /** SIGKILLs every process whose network namespace is {@code ns} and waits until they are gone. */
    static void killAll(String ns) {
        List<Long> pids = pids(ns);
        if (pids.isEmpty()) {
            return;
        }
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Await.until(
                "processes in namespace " + ns + " to exit",
                Duration.ofSeconds(5),
                () -> pids.stream()
                        .noneMatch(p ->
                                ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
    }

    /** Kills what runs inside {@code ns} and deletes it; a missing namespace is not an error. */
    static void delete(String ns) {
        if (!exists(ns)) {
            return;
        }
        killAll(ns);
        ExecResult r = Cmd.run(List.of("ip", "netns", "del", ns));
        if (!r.ok() && exists(ns)) {
            throw new LabException(r.describeFailure());
        }
    }
}
