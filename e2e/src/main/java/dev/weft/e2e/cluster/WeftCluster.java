package dev.weft.e2e.cluster;

import dev.weft.agent.api.LocalApi;
import dev.weft.agent.config.SecretFile;
import dev.weft.cni.Json;
import dev.weft.e2e.lab.Await;
import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.JvmCommand;
import dev.weft.e2e.lab.Lab;
import dev.weft.e2e.lab.LabException;
import dev.weft.e2e.lab.LabNode;
import dev.weft.e2e.lab.LabPod;
import dev.weft.e2e.lab.LabProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Weft cluster on a {@link Lab}: one real agent process per node namespace, pods attached by the real CNI
 * plugin executable (driven the way a runtime drives it: environment + config on stdin), and the agents' status
 * read over their real API sockets. Used by the end-to-end tests and by {@code weft lab demo}.
 */
public final class WeftCluster {
    /** Pod addresses of the lab cluster (DESIGN §10 address plan). */
    public static final String CLUSTER_RANGE = "198.18.0.0/16";

    private final Lab lab;
    private final Path pluginDir;
    private final List<String> extraAgentArgs;
    private final Map<String, LabProcess> agents = new HashMap<>();
    private int seedCount = Integer.MAX_VALUE;
    private String clusterRange = CLUSTER_RANGE;
    private java.util.function.Function<LabNode, List<String>> perNodeArgs = n -> List.of();

    /** A pod attached by the plugin; {@code addressV6} is its IPv6 address in a dual-stack cluster, else null. */
    public record Pod(LabPod pod, LabNode node, String containerId, String address, String addressV6) {
        public Pod(LabPod pod, LabNode node, String containerId, String address) {
            this(pod, node, containerId, address, null);
        }
    }

    /** A dual-stack lab cluster's ranges: the pods' IPv4 range and an IPv6 range of the documentation prefix. */
    public static final String DUAL_STACK_RANGE = CLUSTER_RANGE + ",2001:db8:18::/112";

    public WeftCluster(Lab lab, Path pluginDir, List<String> extraAgentArgs) {
        this.lab = lab;
        this.pluginDir = pluginDir;
        this.extraAgentArgs = List.copyOf(extraAgentArgs);
        if (!Files.isExecutable(pluginDir.resolve("weft"))) {
            throw new LabException("the CNI plugin is not built: " + pluginDir.resolve("weft")
                    + " is missing; build with mvn -DskipTests package");
        }
    }

    /** Finds the built plugin dir ({@code cni-shim/target/cni-bin}) from {@code weft.home} or the working dir upwards. */
    public static Path findPluginDir() {
        List<Path> starts = new ArrayList<>();
        String home = System.getProperty("weft.home");
        if (home != null) starts.add(Path.of(home));
        starts.add(Path.of("").toAbsolutePath());
        for (Path s : starts) {
            for (Path p = s; p != null; p = p.getParent()) {
                Path c = p.resolve("cni-shim/target/cni-bin");
                if (Files.isExecutable(c.resolve("weft"))) return c;
            }
        }
        throw new LabException(
                "cannot find cni-shim/target/cni-bin/weft (set -Dweft.home to the Weft checkout and build it)");
    }

    public Lab lab() {
        return lab;
    }

    /** Extra agent arguments that differ per node (e.g. {@code --pod-cidr}). */
    public WeftCluster perNode(java.util.function.Function<LabNode, List<String>> args) {
        this.perNodeArgs = args;
        return this;
    }

    /** Another pod range than {@link #CLUSTER_RANGE} (inside 198.18.0.0/15), e.g. a tiny one to fill it. */
    public WeftCluster clusterRange(String range) {
        this.clusterRange = range;
        return this;
    }

    /** Only the first {@code n} nodes are IPAM seeds (the others join later and ask peers for space). */
    public WeftCluster seeds(int n) {
        this.seedCount = n;
        return this;
    }

    /**
     * The run's cluster secret, {@code <run dir>/weft.key}: one fresh key per lab run (as {@code weft secret generate}
     * makes it), mode 600, created on first use and shared by every agent of the run.
     */
    public Path secretFile() {
        Path f = lab.runDir().resolve("weft.key");
        synchronized (WeftCluster.class) {
            if (!Files.exists(f)) {
                try {
                    Files.createFile(
                            f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(f, SecretFile.generate(new SecureRandom()) + "\n");
                } catch (IOException e) {
                    throw new LabException("cannot write the lab's cluster secret " + f + ": " + e.getMessage());
                }
            }
        }
        return f;
    }

    public Path agentDir(LabNode n) {
        return lab.runDir().resolve(n.name()).resolve("agent");
    }

    public Path apiSocket(LabNode n) {
        return agentDir(n).resolve("run/weft.sock");
    }

    public Path cniSocket(LabNode n) {
        return agentDir(n).resolve("run/cni.sock");
    }

    /** The agent command line for a node: seeds are all lab nodes, the pod range is 198.18.0.0/16 by default. */
    public List<String> agentArgs(LabNode n) {
        List<String> names =
                lab.nodes().stream().limit(seedCount).map(LabNode::name).toList();
        List<String> args = new ArrayList<>(List.of(
                "agent",
                "--node-name",
                n.name(),
                "--state-dir",
                agentDir(n).resolve("state").toString(),
                "--run-dir",
                agentDir(n).resolve("run").toString(),
                "--ipam-seed",
                String.join(",", names),
                "--peers",
                String.join(",", lab.seeds()),
                "--advertise-address",
                n.address(),
                "--cluster-range",
                clusterRange)); // HTTP: the default, this node's underlay address :6772
        args.addAll(extraAgentArgs);
        // a per-node "--flag value" replaces the same flag's value above (e.g. another --ipam-seed on one node)
        List<String> own = perNodeArgs.apply(n);
        for (int i = 0; i < own.size(); i++) {
            int at = args.indexOf(own.get(i));
            if (at >= 0 && at + 1 < args.size() && own.get(i).startsWith("--") && i + 1 < own.size()) {
                args.set(at + 1, own.get(++i));
            } else {
                args.add(own.get(i));
            }
        }
        // encryption is on unless the test chose its own secret or said --encryption=disabled
        if (!args.contains("--secret-file") && !args.contains("--encryption")) {
            args.addAll(List.of("--secret-file", secretFile().toString()));
        }
        return args;
    }

    public void startAgents() {
        startAgents(lab.nodes());
    }

    public void startAgents(List<LabNode> nodes) {
        for (LabNode n : nodes) startAgent(n);
    }

    public LabProcess startAgent(LabNode n) {
        LabProcess old = agents.get(n.name());
        if (old != null && old.isAlive()) throw new LabException("agent on " + n.name() + " is already running");
        List<String> flags = new ArrayList<>(JvmCommand.DEFAULT_FLAGS);
        LabProcess p = n.start("agent", JvmCommand.of(flags, "dev.weft.agent.Main", agentArgs(n)));
        agents.put(n.name(), p);
        return p;
    }

    public LabProcess agent(LabNode n) {
        LabProcess p = agents.get(n.name());
        if (p == null) throw new LabException("no agent started on " + n.name());
        return p;
    }

    /** The agent's report over its API socket, or empty if it does not answer. */
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> report(LabNode n) {
        try {
            Map<String, Object> r = LocalApi.call(apiSocket(n), Json.obj("cmd", "report"), TimeUnit.SECONDS.toNanos(5));
            return Boolean.TRUE.equals(r.get("ok"))
                    ? Optional.of((Map<String, Object>) r.get("report"))
                    : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    public Map<String, Object> api(LabNode n, Map<String, Object> request) throws Exception {
        return LocalApi.call(apiSocket(n), request, TimeUnit.SECONDS.toNanos(10));
    }

    public boolean isReady(LabNode n) {
        return report(n).map(r -> Boolean.TRUE.equals(r.get("ready"))).orElse(false);
    }

    /** Waits until every agent reports ready; on timeout the error carries each agent's last log lines. */
    public void awaitAllReady(Duration timeout) {
        try {
            Await.until(
                    "all agents ready",
                    timeout,
                    () -> lab.nodes().stream()
                            .filter(n -> agents.containsKey(n.name()))
                            .allMatch(this::isReady));
        } catch (RuntimeException e) {
            StringBuilder sb = new StringBuilder(e.getMessage());
            for (LabNode n : lab.nodes()) {
                if (!agents.containsKey(n.name())) continue;
                sb.append("\n--- ")
                        .append(n.name())
                        .append(" report: ")
                        .append(report(n)
                                .map(r -> String.valueOf(r.get("readinessProblems")))
                                .orElse("(no answer)"))
                        .append("\n")
                        .append(
                                agents.containsKey(n.name())
                                        ? agents.get(n.name()).tail(15)
                                        : "");
            }
            throw new LabException(sb.toString());
        }
    }

    /** Creates a pod namespace on the node and runs CNI ADD through the real plugin; returns the pod's address. */
    public Pod addPod(LabNode n, String label) {
        LabPod pod = n.createPod(label);
        String containerId = lab.runId() + "-" + n.name() + "-" + label;
        ExecResult r = plugin(n, "ADD", containerId, "/var/run/netns/" + pod.namespace(), "eth0");
        if (!r.ok()) {
            throw new LabException("CNI ADD of " + label + " on " + n.name() + " failed (exit " + r.exitCode() + "): "
                    + r.stdout() + r.stderr());
        }
        Map<String, Object> res;
        try {
            res = Json.parseObject(r.stdout());
        } catch (Exception e) {
            throw new LabException("CNI ADD answered something that is not JSON: " + r.stdout());
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ips = (List<Map<String, Object>>) res.get("ips");
        String addr = String.valueOf(ips.get(0).get("address"));
        String v6 = ips.size() > 1 ? String.valueOf(ips.get(1).get("address")) : null;
        return new Pod(
                pod,
                n,
                containerId,
                addr.substring(0, addr.indexOf('/')),
                v6 == null ? null : v6.substring(0, v6.indexOf('/')));
    }

    /** CNI DEL through the real plugin (the namespace is left to the caller). */
    public ExecResult deletePod(Pod p) {
        return plugin(
                p.node(), "DEL", p.containerId(), "/var/run/netns/" + p.pod().namespace(), "eth0");
    }

    /** Runs the plugin in the node namespace with the CNI environment and a conflist-style config on stdin. */
    public ExecResult plugin(LabNode n, String command, String containerId, String netns, String ifName) {
        String conf = Json.write(Json.obj(
                "cniVersion",
                "1.1.0",
                "name",
                "weft",
                "type",
                "weft",
                "agentSocket",
                cniSocket(n).toString()));
        List<String> cmd = List.of(
                "env",
                "CNI_COMMAND=" + command,
                "CNI_CONTAINERID=" + containerId,
                "CNI_NETNS=" + netns,
                "CNI_IFNAME=" + ifName,
                "CNI_PATH=" + pluginDir,
                pluginDir.resolve("weft").toString());
        return n.exec(cmd, conf, Duration.ofSeconds(60));
    }
}
