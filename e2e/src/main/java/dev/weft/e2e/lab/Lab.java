package dev.weft.e2e.lab;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small "cluster" on one machine, made of network namespaces:
 * <pre>
 *   [wftlabXXXXXX-u]  underlay namespace: bridge br0, ports n1..nN
 *        |  veth n1 <-> eth0
 *   [wftlabXXXXXX-n1] node 1: eth0 192.0.2.11/24, lo up, net.ipv4.ip_forward=1
 *   [wftlabXXXXXX-n2] node 2: eth0 192.0.2.12/24 ...
 *   [wftlabXXXXXX-n1-web] optional pod namespaces, empty (lo up), plumbed by the product
 * </pre>
 * Nothing is created in the host's own namespace. Every object is recorded in
 * {@code <root>/<runId>/state} before it is created. {@link #close()} (also run by a JVM shutdown
 * hook) stops the processes the lab started, kills anything else running in its namespaces and
 * deletes them; logs stay in {@link #runDir()}.
 *
 * <pre>{@code
 * try (Lab lab = Lab.builder().nodes(3).start()) {
 *     assertThat(lab.node(1).canReach(lab.node(2).address())).isTrue();
 * }
 * }</pre>
 */
public final class Lab implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lab.class);

    /** Environment variable / system property overriding {@link #defaultRoot()}. */
    public static final String ROOT_ENV = "WEFT_LAB_DIR";

    public static final String ROOT_PROPERTY = "weft.lab.dir";

    private final String runId;
    private final Path runDir;
    private final LabState state;
    private final boolean owner;
    private final Duration stopGrace;
    private final LabUnderlay underlay;
    private final List<LabNode> nodes = new ArrayList<>();
    private final Map<String, LabPod> pods = new LinkedHashMap<>();
    private final List<LabProcess> processes = new ArrayList<>();
    private Thread shutdownHook;
    private boolean closed;

    private Lab(String runId, Path runDir, LabState state, boolean owner, Duration stopGrace) {
        this.runId = runId;
        this.runDir = runDir;
        this.state = state;
        this.owner = owner;
        this.stopGrace = stopGrace;
        this.underlay = new LabUnderlay(this);
        for (int i = 1; i <= state.nodes; i++) {
            nodes.add(new LabNode(this, i));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code /tmp/weft-lab}, unless {@value #ROOT_PROPERTY} or {@value #ROOT_ENV} say otherwise. */
    public static Path defaultRoot() {
        String p = System.getProperty(ROOT_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ROOT_ENV);
        }
        return Path.of(p == null || p.isBlank() ? "/tmp/weft-lab" : p);
    }

    /** Options of a new lab. */
    public static final class Builder {
        private int nodes = 3;
        private Path root = defaultRoot();
        private boolean persistent;
        private Duration stopGrace = LabProcess.DEFAULT_GRACE;
        private int underlayMtu = 1500;
        private boolean ipv6Underlay;

        /** Number of node namespaces, 1..99 (default 3). */
        public Builder nodes(int n) {
            if (n < 1 || n > LabNames.MAX_NODES) {
                throw new IllegalArgumentException("nodes must be 1.." + LabNames.MAX_NODES + ", got " + n);
            }
            this.nodes = n;
            return this;
        }

        /** Directory holding run directories (default {@link #defaultRoot()}). */
        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root);
            return this;
        }

        /**
         * A persistent lab outlives this JVM (used by {@code weft lab up}): no shutdown hook,
         * {@link #close()} leaves it running, {@code weft lab down} removes it.
         */
        public Builder persistent(boolean persistent) {
            this.persistent = persistent;
            return this;
        }

        /** Time between SIGTERM and SIGKILL when the lab stops its processes at teardown (default 3 s). */
        public Builder stopGrace(Duration grace) {
            this.stopGrace = Objects.requireNonNull(grace);
            return this;
        }

        /** MTU of the underlay (bridge, its ports and every node's eth0), 1280..9000 (default 1500). */
        public Builder underlayMtu(int mtu) {
            if (mtu < 1280 || mtu > 9000) {
                throw new IllegalArgumentException("underlay MTU must be 1280..9000, got " + mtu);
            }
            this.underlayMtu = mtu;
            return this;
        }

        /**
         * The nodes' {@code eth0} gets only an IPv6 address, {@code 2001:db8:c0::(10+i)/64} (no IPv4 address):
         * {@link LabNode#address()} and {@link #seeds()} are then IPv6.
         */
        public Builder ipv6Underlay() {
            this.ipv6Underlay = true;
            return this;
        }

        /** Creates the namespaces, bridge and links; on any failure removes what was made and rethrows. */
        public Lab start() {
            return Lab.create(this);
        }
    }

    private static Lab create(Builder b) {
        requireRoot();
        long t0 = System.nanoTime();
        SecureRandom random = new SecureRandom();
        Path runDir;
        String runId;
        try {
            Files.createDirectories(b.root);
            while (true) {
                runId = LabNames.newRunId(random);
                try {
                    runDir = Files.createDirectory(b.root.resolve(runId));
                    break;
                } catch (FileAlreadyExistsException e) {
                    // another run drew the same id: draw again
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create lab directory under " + b.root, e);
        }
        LabState state = LabState.forCurrentProcess(runId, b.persistent, b.nodes, b.ipv6Underlay);
        Lab lab = new Lab(runId, runDir, state, true, b.stopGrace);
        if (!b.persistent) {
            lab.shutdownHook = new Thread(lab::teardownFromHook, "weft-lab-teardown-" + runId);
            Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        }
        try {
            lab.build(b.underlayMtu);
        } catch (RuntimeException e) {
            try {
                lab.teardown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        log.info(
                "lab up run={} nodes={} dir={} took_ms={}",
                runId,
                b.nodes,
                runDir,
                (System.nanoTime() - t0) / 1_000_000);
        return lab;
    }

    /**
     * Re-opens an existing run from its state file (for CLI commands acting on a lab made by
     * {@code weft lab up}). {@link #close()} on the result does not tear the lab down; {@link #teardown()} does.
     */
    public static Lab attach(Path root, String runId) {
        Path runDir = root.resolve(runId);
        LabState state = LabState.load(runDir)
                .orElseThrow(
                        () -> new LabException("no lab run " + runId + " under " + root + " (see 'weft lab status')"));
        Lab lab = new Lab(runId, runDir, state, false, LabProcess.DEFAULT_GRACE);
        for (LabState.ProcessRecord r : state.processes) {
            r.handle()
                    .ifPresent(h -> lab.processes.add(
                            new LabProcess(r.namespace(), r.name(), r.log(), h, r.startMillis(), null)));
        }
        return lab;
    }

    private void build(int mtu) {
        String underlay = underlayNamespace();
        String mtuText = Integer.toString(mtu);
        record(underlay);
        Netns.add(underlay);
        Cmd.check(
                "ip",
                "-n",
                underlay,
                "link",
                "add",
                LabNames.BRIDGE,
                "mtu",
                mtuText,
                "type",
                "bridge",
                "stp_state",
                "0");
        Cmd.check("ip", "-n", underlay, "link", "set", LabNames.BRIDGE, "up");
        for (LabNode n : nodes) {
            String ns = n.namespace();
            record(ns);
            Netns.add(ns);
            String port = LabNames.underlayPort(n.index());
            Cmd.check(
                    "ip",
                    "-n",
                    underlay,
                    "link",
                    "add",
                    port,
                    "mtu",
                    mtuText,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    LabNames.NODE_INTERFACE,
                    "mtu",
                    mtuText,
                    "netns",
                    ns);
            Cmd.check("ip", "-n", underlay, "link", "set", port, "master", LabNames.BRIDGE, "up");
            if (state.ipv6Underlay) { // no duplicate address detection: usable at once (the plan has no duplicates)
                Cmd.check("ip", "-n", ns, "addr", "add", n.cidr(), "dev", LabNames.NODE_INTERFACE, "nodad");
            } else {
                Cmd.check("ip", "-n", ns, "addr", "add", n.cidr(), "dev", LabNames.NODE_INTERFACE);
            }
            Cmd.check("ip", "-n", ns, "link", "set", LabNames.NODE_INTERFACE, "up");
            n.exec(List.of("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"))
                    .orThrow();
        }
    }

    private static void requireRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:") && !line.split("\\s+")[2].equals("0")) {
                    throw new LabException("the lab needs root (it creates network namespaces); run it with sudo");
                }
            }
        } catch (IOException e) {
            throw new LabException("the lab needs Linux with /proc: " + e.getMessage(), e);
        }
    }

    private synchronized void record(String namespace) {
        state.namespaces.add(namespace);
        state.save(runDir);
    }

    // ---- accessors ----

    /** {@code wftlab} + 6 hex digits; prefix of all namespaces of this run. */
    public String runId() {
        return runId;
    }

    /** {@code <root>/<runId>}: state file and process logs ({@code <node>/<process>.log}). */
    public Path runDir() {
        return runDir;
    }

    public String underlayNamespace() {
        return LabNames.underlayNamespace(runId);
    }

    /** The underlay namespace (bridge {@code br0}), to run commands such as {@code tcpdump -i br0} in. */
    public LabUnderlay underlay() {
        return underlay;
    }

    public boolean persistent() {
        return state.persistent;
    }

    /** The nodes' underlay addresses are IPv6 only ({@link Builder#ipv6Underlay}). */
    public boolean ipv6Underlay() {
        return state.ipv6Underlay;
    }

    public List<LabNode> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** Node by 1-based index. */
    public LabNode node(int index) {
        if (index < 1 || index > nodes.size()) {
            throw new IllegalArgumentException(
                    "no node " + index + " in lab " + runId + " (nodes 1.." + nodes.size() + ")");
        }
        return nodes.get(index - 1);
    }

    /** Node by name ({@code n2}), index ({@code 2}) or namespace. */
    public LabNode node(String ref) {
        for (LabNode n : nodes) {
            if (n.name().equals(ref)
                    || n.namespace().equals(ref)
                    || Integer.toString(n.index()).equals(ref)) {
                return n;
            }
        }
        throw new IllegalArgumentException("no node '" + ref + "' in lab " + runId + "; nodes: "
                + nodes.stream().map(LabNode::name).toList());
    }

    /** Underlay addresses of all nodes, in node order (the seed list for agents). */
    public List<String> seeds() {
        return nodes.stream().map(LabNode::address).toList();
    }

    /** Processes started through this lab object (or, when attached, recorded and still alive). */
    public synchronized List<LabProcess> processes() {
        return List.copyOf(processes);
    }

    /** Namespaces of this run that currently exist. */
    public List<String> existingNamespaces() {
        return Netns.list().stream().filter(ns -> ns.startsWith(runId + "-")).toList();
    }

    // ---- processes ----

    /**
     * Starts one process per node, e.g. a Weft agent: {@code command} gets the node and the seed
     * list. Process {@code name} is the same on every node (logs: {@code <runDir>/n1/<name>.log}, ...).
     */
    public List<LabProcess> startOnEachNode(String name, NodeCommand command) {
        List<LabProcess> started = new ArrayList<>();
        for (LabNode n : nodes) {
            started.add(n.start(name, command.command(n, seeds())));
        }
        return started;
    }

    synchronized LabProcess startProcess(
            LabNamespace where, String name, List<String> command, Map<String, String> environment) {
        checkOpen();
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("process name must be 1-64 of [A-Za-z0-9._-], got '" + name + "'");
        }
        Path dir = runDir.resolve(where.name());
        Path logFile;
        try {
            Files.createDirectories(dir);
            logFile = dir.resolve(name + ".log");
            for (int i = 2; Files.exists(logFile); i++) {
                logFile = dir.resolve(name + "-" + i + ".log");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create log directory " + dir, e);
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new LabException("cannot start '" + name + "' in " + where.namespace() + ": " + e.getMessage(), e);
        }
        long startMillis = LabState.startMillis(p.toHandle());
        LabProcess lp = new LabProcess(where.namespace(), name, logFile, p.toHandle(), startMillis, p);
        processes.add(lp);
        state.processes.add(new LabState.ProcessRecord(p.pid(), startMillis, where.namespace(), name, logFile));
        state.save(runDir);
        log.info(
                "lab process started run={} ns={} name={} pid={} log={}",
                runId,
                where.namespace(),
                name,
                p.pid(),
                logFile);
        return lp;
    }

    // ---- pods ----

    synchronized LabPod createPod(LabNode node, String label) {
        checkOpen();
        LabPod pod = new LabPod(this, node, label);
        if (pods.containsKey(pod.namespace()) || Netns.exists(pod.namespace())) {
            throw new LabException("pod namespace " + pod.namespace() + " already exists");
        }
        record(pod.namespace());
        Netns.add(pod.namespace());
        pods.put(pod.namespace(), pod);
        return pod;
    }

    synchronized void deletePod(LabPod pod) {
        Netns.delete(pod.namespace());
        pods.remove(pod.namespace());
        state.namespaces.remove(pod.namespace());
        state.save(runDir);
    }

    public synchronized List<LabPod> pods() {
        return List.copyOf(pods.values());
    }

    // ---- teardown ----

    /** Tears the lab down if this object created it and it is not persistent; otherwise does nothing. */
    @Override
    public void close() {
        if (owner && !state.persistent) {
            teardown();
        }
    }

    /**
     * Stops the lab's processes (SIGTERM, SIGKILL after the grace time), kills anything else left in
     * its namespaces, deletes every namespace of the run and the state file. Idempotent; logs stay.
     */
    public synchronized void teardown() {
        if (closed) {
            return;
        }
        long t0 = System.nanoTime();
        List<RuntimeException> errors = new ArrayList<>();
        stopAll(errors);
        for (LabState.ProcessRecord r : state.processes) {
            r.handle().ifPresent(ProcessHandle::destroyForcibly);
        }
        List<String> namespaces = new ArrayList<>(state.namespaces);
        try {
            for (String ns : Netns.list()) {
                if (ns.startsWith(runId + "-") && !namespaces.contains(ns)) {
                    namespaces.add(ns);
                }
            }
        } catch (RuntimeException e) {
            errors.add(e);
        }
        for (String ns : namespaces) {
            try {
                Netns.delete(ns);
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        closed = true;
        if (errors.isEmpty()) {
            LabState.delete(runDir);
        }
        if (shutdownHook != null && !Thread.currentThread().equals(shutdownHook)) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: nothing to remove
            }
        }
        log.info(
                "lab down run={} namespaces={} took_ms={}",
                runId,
                namespaces.size(),
                (System.nanoTime() - t0) / 1_000_000);
        if (!errors.isEmpty()) {
            LabException e = new LabException("teardown of lab " + runId + " was incomplete (run 'weft lab down "
                    + runId + "'): " + errors.getFirst().getMessage());
            errors.forEach(e::addSuppressed);
            throw e;
        }
    }

    private void stopAll(List<RuntimeException> errors) {
        List<LabProcess> alive = processes.stream().filter(LabProcess::isAlive).toList();
        // SIGTERM everything first so the grace periods overlap, then SIGKILL what is left.
        for (LabProcess p : alive) {
            p.terminate();
        }
        try {
            Await.until(
                    "lab processes to exit after SIGTERM",
                    stopGrace,
                    () -> alive.stream().noneMatch(LabProcess::isAlive));
        } catch (LabTimeoutException e) {
            log.warn("lab processes ignored SIGTERM run={} grace_ms={}; sending SIGKILL", runId, stopGrace.toMillis());
        }
        for (LabProcess p : alive) {
            try {
                p.stop(Duration.ZERO);
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
    }

    private void teardownFromHook() {
        try {
            teardown();
        } catch (RuntimeException e) {
            System.err.println("weft lab: teardown at JVM exit failed: " + e.getMessage());
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new LabException("lab " + runId + " is torn down");
        }
    }

    @Override
    public String toString() {
        return "lab " + runId + " (" + nodes.size() + " nodes)";
    }
}
