package dev.weft.agent.cli;

import dev.weft.agent.api.AgentJson;
import dev.weft.cli.ReportFormat;
import dev.weft.cli.Table;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft doctor}: checks this node's prerequisites (kernel VXLAN, TUN, ip_forward, nftables, MTU, clock,
 * CNI files) and, when the agent runs, what it sees (readiness, peers unreachable over gossip or VXLAN), and
 * says what to fix. Exit code 0 when nothing failed, 1 when something did.
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = "Check this node's prerequisites and say what to fix.")
public final class DoctorCommand implements Callable<Integer> {
    @Option(
            names = "--socket",
            defaultValue = "${env:WEFT_SOCKET:-/run/weft/weft.sock}",
            description = "Agent API socket (env WEFT_SOCKET). Default: ${DEFAULT-VALUE}.")
    Path socket;

    @Option(names = "--proc", defaultValue = "/proc", hidden = true)
    Path proc;

    @Option(names = "--sys", defaultValue = "/sys", hidden = true)
    Path sys;

    @Option(names = "--cni-conf-dir", defaultValue = "/etc/cni/net.d", description = "Default: ${DEFAULT-VALUE}.")
    Path cniConfDir;

    @Option(names = "--cni-bin-dir", defaultValue = "/opt/cni/bin", description = "Default: ${DEFAULT-VALUE}.")
    Path cniBinDir;

    /** One finding: {@code fix} is what the operator should do when the status is not OK. */
    public record Check(String name, Status status, String detail, String fix) {}

    public enum Status {
        OK,
        WARN,
        FAIL
    }

    @Override
    public Integer call() {
        List<Check> checks = new ArrayList<>();
        checks.add(kernelVxlan());
        checks.add(tun());
        checks.add(ipForward());
        checks.add(nftables());
        checks.add(clock());
        Map<String, Object> report = null;
        try {
            report = ReportFormat.map(AgentClient.call(socket, AgentJson.obj("cmd", "report")), "report");
        } catch (AgentClient.Unreachable | AgentClient.Refused e) {
            checks.add(
                    new Check("agent", Status.FAIL, e.getMessage(), "start the agent (weft agent) or check its logs"));
        }
        if (report != null) checks.addAll(fromReport(report, sys));
        boolean ipv6Pods = report != null
                && (report.containsKey("ipamV6")
                        || String.valueOf(ReportFormat.map(report, "cluster").get("range"))
                                .contains(":"));
        checks.addAll(Ipv6Checks.of(proc, ipv6Pods));
        checks.add(cniFiles());
        Table t = new Table("CHECK", "RESULT", "DETAIL");
        for (Check c : checks) t.row(c.name(), c.status(), c.detail());
        System.out.print(t.render());
        boolean failed = false;
        for (Check c : checks) {
            if (c.status() != Status.OK && c.fix() != null) System.out.println("  fix " + c.name() + ": " + c.fix());
            failed |= c.status() == Status.FAIL;
        }
        return failed ? 1 : 0;
    }

    Check kernelVxlan() {
        boolean present = Files.isDirectory(sys.resolve("module/vxlan"));
        return present
                ? new Check("kernel-vxlan", Status.OK, "vxlan driver present", null)
                : new Check(
                        "kernel-vxlan",
                        Status.FAIL,
                        "no vxlan driver (" + sys.resolve("module/vxlan") + " missing)",
                        "load it (modprobe vxlan) or use a kernel with CONFIG_VXLAN; until then peers fall back to the sleeve");
    }

    Check tun() {
        return Files.exists(Path.of("/dev/net/tun"))
                ? new Check("tun", Status.OK, "/dev/net/tun present", null)
                : new Check(
                        "tun",
                        Status.WARN,
                        "/dev/net/tun missing: the sleeve fallback cannot run",
                        "load the tun driver (modprobe tun) or mount /dev/net/tun into the agent's container");
    }

    Check ipForward() {
        try {
            String v = Files.readString(proc.resolve("sys/net/ipv4/ip_forward")).trim();
            return v.equals("1")
                    ? new Check("ip-forward", Status.OK, "net.ipv4.ip_forward=1", null)
                    : new Check(
                            "ip-forward",
                            Status.FAIL,
                            "net.ipv4.ip_forward=" + v + ": this node will not forward pod traffic",
                            "sysctl -w net.ipv4.ip_forward=1 (the agent sets it at start; something reset it)");
        } catch (IOException e) {
            return new Check("ip-forward", Status.WARN, "cannot read ip_forward: " + e.getMessage(), null);
        }
    }

    Check nftables() {
        try {
            Process p = new ProcessBuilder("nft", "list", "tables")
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Check(
                        "nftables", Status.WARN, "nft did not answer within 5s", "check the nftables installation");
            }
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.exitValue() != 0) {
                return new Check(
                        "nftables", Status.FAIL, "nft failed: " + out, "run as root; the kernel needs nf_tables");
            }
            boolean hasWeft = out.lines().anyMatch(l -> l.trim().endsWith(" weft"));
            return new Check(
                    "nftables", Status.OK, hasWeft ? "weft table present" : "nft works (no weft table yet)", null);
        } catch (IOException e) {
            return new Check("nftables", Status.FAIL, "nft not found", "install nftables (apt-get install nftables)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check("nftables", Status.WARN, "interrupted", null);
        }
    }

    /** The kernel's NTP state via adjtimex(2): TIME_ERROR (5) means the clock is not synchronised. */
    Check clock() {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle adjtimex = linker.downcallHandle(
                    linker.defaultLookup().find("adjtimex").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment timex = arena.allocate(256); // struct timex is 208 bytes on x86_64; modes=0 reads only
            int state = (int) adjtimex.invokeExact(timex);
            if (state == 5) {
                return new Check(
                        "clock",
                        Status.WARN,
                        "the kernel reports the clock as unsynchronised",
                        "run an NTP client (chrony, systemd-timesyncd); skewed clocks make logs and metrics hard to correlate");
            }
            return new Check("clock", Status.OK, "clock synchronised (adjtimex state " + state + ")", null);
        } catch (Throwable t) {
            return new Check("clock", Status.WARN, "cannot read clock state: " + t.getMessage(), null);
        }
    }

    Check cniFiles() {
        boolean conf = Files.exists(cniConfDir.resolve("10-weft.conflist"));
        boolean bin = Files.exists(cniBinDir.resolve("weft"));
        if (conf && bin) return new Check("cni", Status.OK, "plugin and 10-weft.conflist installed", null);
        return new Check(
                "cni",
                Status.WARN,
                (bin ? "" : "no plugin " + cniBinDir.resolve("weft") + "; ")
                        + (conf ? "" : "no " + cniConfDir.resolve("10-weft.conflist")),
                "the DaemonSet's init container installs both; outside Kubernetes run cni-shim's install script");
    }

    /** Findings from the agent's own report: readiness, MTU, and peers it cannot reach. */
    static Check encryption(Map<String, Object> enc) {
        if (Boolean.TRUE.equals(enc.get("enabled")))
            return new Check("encryption", Status.OK, "gossip authenticated and encrypted", null);
        return new Check(
                "encryption",
                Status.WARN,
                "encryption is disabled (--encryption=disabled): anyone who reaches the gossip "
                        + "port can read and change this cluster",
                "make a secret with 'weft secret generate > weft.key' (chmod 600), give it to "
                        + "every node with --secret-file and remove --encryption=disabled");
    }

    /**
     * The kind of this node's peer id and whether legacy ids are refused; null for an agent whose report has no
     * {@code identity} (older versions).
     */
    static Check identity(Map<String, Object> id) {
        if (id.isEmpty()) return null;
        String detail = ReportFormat.identity(id);
        if (!Boolean.TRUE.equals(id.get("selfCertifying"))) {
            return new Check(
                    "identity",
                    Status.WARN,
                    detail,
                    "retire the legacy id when convenient: drain the node, 'weft rmpeer' it, empty its state directory"
                            + " and start it again (SECURITY.md, Node identity)");
        }
        return new Check("identity", Status.OK, detail, null);
    }

    /** The cluster range's fill (from the agent's ring): FAIL when this node cannot get addresses, WARN from 90 %. */
    static Check addressSpace(Map<String, Object> c) {
        Object verdict = c.get("verdict");
        if (verdict == null || "no-ring".equals(verdict)) return null;
        String detail = ReportFormat.str(c, "summary");
        return switch (String.valueOf(verdict)) {
            case "full", "fragmented" -> new Check("ipam-space", Status.FAIL, detail, ReportFormat.str(c, "advice"));
            case "nearly-full" -> new Check("ipam-space", Status.WARN, detail, ReportFormat.str(c, "advice"));
            default -> new Check("ipam-space", Status.OK, detail, null);
        };
    }

    static List<Check> fromReport(Map<String, Object> r, Path sys) {
        List<Check> out = new ArrayList<>();
        List<Object> problems = ReportFormat.list(r, "readinessProblems");
        out.add(
                problems.isEmpty()
                        ? new Check("agent", Status.OK, "agent ready", null)
                        : new Check(
                                "agent",
                                Status.FAIL,
                                "agent not ready: "
                                        + String.join(
                                                "; ",
                                                problems.stream()
                                                        .map(String::valueOf)
                                                        .toList()),
                                "see the reasons; weft status shows details"));
        out.add(encryption(ReportFormat.map(r, "encryption")));
        Check identity = identity(ReportFormat.map(r, "identity"));
        if (identity != null) out.add(identity);
        Check space = addressSpace(ReportFormat.map(ReportFormat.map(r, "ipam"), "cluster"));
        if (space != null) out.add(space);
        Map<String, Object> dp = ReportFormat.map(r, "datapath");
        String underlay = ReportFormat.str(dp, "underlayInterface");
        double podMtu = ReportFormat.num(dp.get("mtu"));
        // the agent's own finding (e.g. --mtu too large for the underlay, which the kernel may refuse to set)
        String mtuProblem = ReportFormat.list(dp, "problems").stream()
                .map(String::valueOf)
                .filter(p -> p.contains("MTU"))
                .findFirst()
                .orElse(null);
        if (mtuProblem != null) {
            int cut = mtuProblem.indexOf("; ");
            out.add(new Check(
                    "mtu",
                    Status.FAIL,
                    cut < 0 ? mtuProblem : mtuProblem.substring(0, cut),
                    cut < 0 ? "check --mtu and the underlay's MTU" : mtuProblem.substring(cut + 2)));
        } else
            try {
                int mtu = Integer.parseInt(Files.readString(sys.resolve("class/net/" + underlay + "/mtu"))
                        .trim());
                boolean fits = podMtu + 50 <= mtu;
                out.add(
                        fits
                                ? new Check(
                                        "mtu",
                                        Status.OK,
                                        "underlay " + underlay + " MTU " + mtu + ", pod MTU " + (long) podMtu,
                                        null)
                                : new Check(
                                        "mtu",
                                        Status.FAIL,
                                        "pod MTU " + (long) podMtu + " + 50 bytes of VXLAN > underlay " + underlay
                                                + " MTU " + mtu + ": large packets will be dropped",
                                        "set --mtu to " + (mtu - 50) + " or less (or 0 for automatic)"));
            } catch (IOException | NumberFormatException e) {
                out.add(new Check(
                        "mtu",
                        Status.WARN,
                        "cannot read MTU of underlay interface '" + underlay + "'",
                        "check --underlay-interface"));
            }
        String port = ReportFormat.str(dp, "port");
        for (Map<String, Object> c : ReportFormat.<Map<String, Object>>list(r, "connections")) {
            String h = String.valueOf(c.get("health"));
            if (h.equals("no-route")) {
                out.add(new Check(
                        "peer " + c.get("nickname"),
                        Status.WARN,
                        "no route to its pods yet: " + c.get("reason"),
                        "wait a few seconds after start; if it persists, check that peer's agent (weft status there)"));
            } else if (!h.equals("ok")) {
                out.add(new Check(
                        "peer " + c.get("nickname"),
                        Status.FAIL,
                        "datapath " + c.get("mode") + " to " + c.get("address") + " is " + h,
                        "is UDP " + port + " open between this node and " + c.get("address")
                                + " (firewall, security group)?"));
            } else if (c.get("kernelPath") instanceof String kp && !kp.equals("ok")) {
                out.add(new Check(
                        "peer " + c.get("nickname"),
                        Status.WARN,
                        "using the userspace sleeve: " + kp,
                        "is UDP " + port + " open between this node and " + c.get("address")
                                + "? the kernel path is faster"));
            }
        }
        for (Map<String, Object> p : ReportFormat.<Map<String, Object>>list(r, "peers")) {
            if (!"alive".equals(p.get("state")) && !"left".equals(p.get("state"))) {
                out.add(new Check(
                        "gossip " + p.get("nickname"),
                        Status.FAIL,
                        "peer " + p.get("id") + " at " + p.get("address") + " is " + p.get("state"),
                        "is the agent running there, and are UDP and TCP 6770 open between the nodes?"));
            }
        }
        return out;
    }
}
