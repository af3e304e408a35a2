package dev.weft.e2e.lab;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a run created, written to {@code <runDir>/state} before each object is created (so a crash
 * leaves a record of everything that may exist). Read by {@code weft lab down/status} and
 * {@link Lab#attach}. Mutable; the owning {@link Lab} guards it with its lock.
 */
final class LabState {
    static final String FILE = "state";

    /** A process started by the lab: pid plus start time, so a recycled pid is never signalled. */
    record ProcessRecord(long pid, long startMillis, String namespace, String name, Path log) {
        boolean isAlive() {
            return handle().isPresent();
        }

        Optional<ProcessHandle> handle() {
            return ProcessHandle.of(pid).filter(h -> sameStart(h, startMillis)).filter(ProcessHandle::isAlive);
        }
    }

    final String runId;
    final long ownerPid;
    final long ownerStartMillis;
    final boolean persistent;
    final Instant created;
    final int nodes;
    /** The nodes' underlay addresses are IPv6 only (see {@link Lab.Builder#ipv6Underlay}). */
    final boolean ipv6Underlay;

    final Set<String> namespaces = new LinkedHashSet<>();
    final List<ProcessRecord> processes = new ArrayList<>();

    LabState(
            String runId,
            long ownerPid,
            long ownerStartMillis,
            boolean persistent,
            Instant created,
            int nodes,
            boolean ipv6Underlay) {
        this.runId = runId;
        this.ownerPid = ownerPid;
        this.ownerStartMillis = ownerStartMillis;
        this.persistent = persistent;
        this.created = created;
        this.nodes = nodes;
        this.ipv6Underlay = ipv6Underlay;
    }

    static LabState forCurrentProcess(String runId, boolean persistent, int nodes, boolean ipv6Underlay) {
        ProcessHandle me = ProcessHandle.current();
        return new LabState(runId, me.pid(), startMillis(me), persistent, Instant.now(), nodes, ipv6Underlay);
    }

    /** True while the JVM that created a non-persistent run is still running. */
    boolean ownerAlive() {
        return ProcessHandle.of(ownerPid)
                .filter(h -> sameStart(h, ownerStartMillis))
                .map(ProcessHandle::isAlive)
                .orElse(false);
    }

    static long startMillis(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    static boolean sameStart(ProcessHandle h, long startMillis) {
        return Math.abs(startMillis(h) - startMillis) < 1000;
    }

    void save(Path runDir) {
        Properties p = new Properties();
        p.setProperty("run", runId);
        p.setProperty("owner.pid", Long.toString(ownerPid));
        p.setProperty("owner.start", Long.toString(ownerStartMillis));
        p.setProperty("persistent", Boolean.toString(persistent));
        p.setProperty("created", created.toString());
        p.setProperty("nodes", Integer.toString(nodes));
        p.setProperty("underlay", ipv6Underlay ? "ipv6" : "ipv4");
        p.setProperty("namespaces", String.join(",", namespaces));
        int i = 0;
        for (ProcessRecord r : processes) {
            p.setProperty(
                    "process." + i++, r.pid + "|" + r.startMillis + "|" + r.namespace + "|" + r.name + "|" + r.log);
        }
        Path tmp = runDir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "weft lab run state (read by 'weft lab down' and 'weft lab status')");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write lab state " + tmp, e);
        }
        try {
            Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new LabException("lab directory " + runDir + " does not support atomic rename", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write lab state in " + runDir, e);
        }
    }

    static Optional<LabState> load(Path runDir) {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read lab state " + f, e);
        }
        try {
            LabState s = new LabState(
                    p.getProperty("run"),
                    Long.parseLong(p.getProperty("owner.pid")),
                    Long.parseLong(p.getProperty("owner.start")),
                    Boolean.parseBoolean(p.getProperty("persistent")),
                    Instant.parse(p.getProperty("created")),
                    Integer.parseInt(p.getProperty("nodes")),
                    "ipv6".equals(p.getProperty("underlay")));
            for (String ns : p.getProperty("namespaces", "").split(",")) {
                if (!ns.isBlank()) {
                    s.namespaces.add(ns);
                }
            }
            Set<String> keys = new TreeSet<>(p.stringPropertyNames());
            for (String k : keys) {
                if (k.startsWith("process.")) {
                    String[] f5 = p.getProperty(k).split("\\|", 5);
                    s.processes.add(new ProcessRecord(
                            Long.parseLong(f5[0]), Long.parseLong(f5[1]), f5[2], f5[3], Path.of(f5[4])));
                }
            }
            return Optional.of(s);
        } catch (RuntimeException e) {
            throw new LabException("corrupt lab state " + f + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path runDir) {
        try {
            Files.deleteIfExists(runDir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete lab state in " + runDir, e);
        }
    }
}
