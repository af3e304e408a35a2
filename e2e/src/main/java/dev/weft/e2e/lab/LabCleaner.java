package dev.weft.e2e.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds lab runs (from state files and from namespace names) and removes leftovers: what
 * {@code weft lab down} does. A run whose creating JVM is still alive and that is not persistent
 * belongs to a test in progress and is left alone unless {@code all} is set.
 */
public final class LabCleaner {
    private static final Logger log = LoggerFactory.getLogger(LabCleaner.class);

    /** Logs of finished runs are kept this long by {@link #down}. */
    public static final Duration LOG_RETENTION = Duration.ofDays(2);

    private final Path root;

    public LabCleaner(Path root) {
        this.root = root;
    }

    /** What is known of one run. */
    public record RunInfo(
            String runId,
            Optional<Boolean> persistent,
            boolean ownerAlive,
            Optional<Integer> nodes,
            List<String> namespaces,
            List<String> liveProcesses) {
        /** True if the run belongs to a JVM that is still using it (a test in progress). */
        public boolean inUse() {
            return ownerAlive && !persistent.orElse(true);
        }

        public boolean hasStateFile() {
            return persistent.isPresent();
        }
    }

    /** Every run that has a state file or at least one namespace. */
    public List<RunInfo> runs() {
        Map<String, RunInfo> runs = new LinkedHashMap<>();
        List<String> allNs = Netns.list();
        for (Path dir : runDirs()) {
            String id = dir.getFileName().toString();
            Optional<LabState> st;
            try {
                st = LabState.load(dir);
            } catch (LabException e) {
                log.warn("ignoring unreadable lab state run={} cause={}", id, e.getMessage());
                st = Optional.empty();
            }
            st.ifPresent(s -> runs.put(
                    id,
                    new RunInfo(
                            id,
                            Optional.of(s.persistent),
                            s.ownerAlive(),
                            Optional.of(s.nodes),
                            namespacesOf(id, allNs),
                            s.processes.stream()
                                    .filter(LabState.ProcessRecord::isAlive)
                                    .map(r -> r.name() + "@" + r.namespace() + " pid=" + r.pid())
                                    .toList())));
        }
        for (String ns : allNs) {
            LabNames.runIdOf(ns)
                    .ifPresent(id -> runs.computeIfAbsent(
                            id,
                            k -> new RunInfo(
                                    k, Optional.empty(), false, Optional.empty(), namespacesOf(k, allNs), List.of())));
        }
        return List.copyOf(runs.values());
    }

    /** Outcome of {@link #down}: runs removed, and runs skipped because a live test JVM owns them. */
    public record DownResult(List<String> removed, List<String> skippedInUse) {}

    /**
     * Removes runs selected by {@code which}: their recorded processes, anything running in their
     * namespaces, the namespaces and the state file. Runs in use by a live JVM are skipped unless
     * {@code all}.
     */
    public DownResult down(boolean all, Predicate<String> which) {
        List<String> removed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<RuntimeException> errors = new ArrayList<>();
        for (RunInfo run : runs()) {
            if (!which.test(run.runId())) {
                continue;
            }
            if (run.inUse() && !all) {
                log.info("lab run in use, skipped run={} (use --all to remove it anyway)", run.runId());
                skipped.add(run.runId());
                continue;
            }
            try {
                remove(run.runId());
                removed.add(run.runId());
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        pruneOldLogs(LOG_RETENTION);
        if (!errors.isEmpty()) {
            LabException e = new LabException(
                    "could not remove every lab run: " + errors.getFirst().getMessage());
            errors.forEach(e::addSuppressed);
            throw e;
        }
        return new DownResult(List.copyOf(removed), List.copyOf(skipped));
    }

    /** Removes one run regardless of its owner. */
    public void remove(String runId) {
        if (!LabNames.isRunId(runId)) {
            throw new IllegalArgumentException(
                    "not a lab run id: '" + runId + "' (expected " + LabNames.PREFIX + " + 6 hex digits)");
        }
        Path dir = root.resolve(runId);
        Optional<LabState> st = LabState.load(dir);
        st.ifPresent(s -> s.processes.forEach(r -> r.handle().ifPresent(ProcessHandle::destroyForcibly)));
        List<String> namespaces = new ArrayList<>(st.map(s -> s.namespaces).orElse(new java.util.LinkedHashSet<>()));
        for (String ns : Netns.list()) {
            if (ns.startsWith(runId + "-") && !namespaces.contains(ns)) {
                namespaces.add(ns);
            }
        }
        for (String ns : namespaces) {
            Netns.delete(ns);
        }
        if (Files.isDirectory(dir)) {
            LabState.delete(dir);
        }
        log.info("lab run removed run={} namespaces={}", runId, namespaces.size());
    }

    /**
     * Deletes directories of finished runs (no state file) that are empty or older than {@code maxAge},
     * so logs of recent runs stay for inspection but {@code /tmp/weft-lab} does not grow forever.
     */
    public void pruneOldLogs(Duration maxAge) {
        if (!Files.isDirectory(root)) {
            return;
        }
        Instant cutoff = Instant.now().minus(maxAge);
        try (Stream<Path> s = Files.list(root)) {
            for (Path dir :
                    s.filter(p -> LabNames.isRunId(p.getFileName().toString())).toList()) {
                if (Files.exists(dir.resolve(LabState.FILE))) {
                    continue;
                }
                boolean empty;
                try (Stream<Path> c = Files.list(dir)) {
                    empty = c.findAny().isEmpty();
                }
                if (empty || Files.getLastModifiedTime(dir).toInstant().isBefore(cutoff)) {
                    deleteTree(dir);
                }
            }
        } catch (IOException e) {
            log.warn("could not prune old lab logs dir={} cause={}", root, e.toString());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static List<String> namespacesOf(String runId, List<String> all) {
        return all.stream().filter(ns -> ns.startsWith(runId + "-")).toList();
    }

    private List<Path> runDirs() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> LabNames.isRunId(p.getFileName().toString()))
                    .filter(p -> Files.isRegularFile(p.resolve(LabState.FILE)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }
}
