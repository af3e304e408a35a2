package dev.weft.agent.config;

import static dev.weft.agent.config.OptionChecks.*;

import dev.weft.agent.logging.LogFormat;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The agent's options as picocli flags. Values not given as flags come from {@code WEFT_*} environment
 * variables or the config file (see {@link ConfigSources}). {@link #toConfig()} validates everything at once
 * and names each bad option with its allowed values.
 */
public final class AgentOptions {
    private static final Pattern NODE_NAME = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9.]{0,251}[a-zA-Z0-9])?");
    private static final Pattern CLUSTER_NAME = Pattern.compile("[a-zA-Z0-9][-a-zA-Z0-9_.]{0,62}");

    @Option(
            names = "--config-file",
            paramLabel = "FILE",
            description =
                    "Properties file with option values (keys: long option names without dashes). Env: WEFT_CONFIG_FILE.")
    Path configFile;

    @Option(
            names = "--node-name",
            description = "This node's name (Kubernetes node name). Default: the hostname. Env: WEFT_NODE_NAME.")
    String nodeName;

    @Option(
            names = "--state-dir",
            defaultValue = "/var/lib/weft",
            description = "Persistent state (peer id, IPAM). Default: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(
            names = "--run-dir",
            defaultValue = "/run/weft",
            description = "Runtime dir for weft.sock and cni.sock. Default: ${DEFAULT-VALUE}.")
    Path runDir;

    @Option(
            names = "--cluster-name",
            defaultValue = "weft",
            description =
                    "Name bound into every gossip message; clusters with different names never merge. Default: ${DEFAULT-VALUE}.")
    String clusterName;

    @Option(
            names = "--cluster-range",
            defaultValue = "10.32.0.0/12",
            description = "Pod address range of the whole cluster: one CIDR, or one IPv4 and one IPv6 CIDR for dual "
                    + "stack (10.32.0.0/12,fd00:10:32::/48). Default: ${DEFAULT-VALUE}.")
    String clusterRange;

    @Option(
            names = "--block-size",
            defaultValue = "64",
            description =
                    "Smallest range handed between nodes, in addresses (power of two, 4..65536). Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(
            names = "--block-size-v6",
            defaultValue = "256",
            description =
                    "Smallest range handed between nodes in the IPv6 range, in addresses (power of two, 4..65536; "
                            + "a /120 by default, not a wasteful /64). Default: ${DEFAULT-VALUE}.")
    int blockSizeV6;

    @Option(
            names = "--ipam-seed",
            split = ",",
            paramLabel = "NODE",
            description =
                    "Node names that split the range when the ring is first created (same list on every node). Env: WEFT_IPAM_SEED (comma-separated).")
    List<String> ipamSeeds = new ArrayList<>();

    @Option(
            names = "--peers",
            split = ",",
            paramLabel = "HOST[:PORT]",
            description = "Gossip addresses to join through. Env: WEFT_PEERS (comma-separated).")
    List<String> peers = new ArrayList<>();

    @Option(
            names = "--bind-address",
            defaultValue = "0.0.0.0",
            description = "Address gossip listens on. Default: ${DEFAULT-VALUE}.")
    String bindAddress;

    @Option(
            names = "--advertise-address",
            description =
                    "Underlay address other nodes use to reach this one. Default: the address of the interface with the default route, else the first non-loopback IPv4.")
    String advertiseAddress;

    @Option(
            names = "--gossip-port",
            defaultValue = "6770",
            description = "Gossip UDP+TCP port. Default: ${DEFAULT-VALUE}.")
    int gossipPort;

    @Option(
            names = "--secret-file",
            paramLabel = "FILE",
            description = "Cluster secret: one key per line (base64 or hex, "
                    + "at least 32 random bytes; make one with 'weft secret generate'), the first is used to send, the others are still "
                    + "accepted (rotation). Env: WEFT_SECRET_FILE.")
    Path secretFile;

    @Option(
            names = "--encryption",
            defaultValue = "required",
            description = "required|disabled: 'required' refuses to start "
                    + "without --secret-file; 'disabled' runs gossip unencrypted, readable and writable by anyone who reaches the "
                    + "gossip port (a warning at start, in weft status and weft doctor). Default: ${DEFAULT-VALUE}.")
    String encryption;

    @Option(
            names = "--encrypt-pod-traffic",
            defaultValue = "false",
            description =
                    "Carry all pod traffic between nodes in "
                            + "the encrypted sleeve (userspace, slower) instead of kernel VXLAN or plain routes; needs the secret. Default: ${DEFAULT-VALUE}.")
    boolean encryptPodTraffic;

    @Option(
            names = "--require-self-certifying-ids",
            defaultValue = "false",
            description = "Refuse legacy peer ids (random ids kept from before identity keys, trusted on first sight): "
                    + "the agent does not start with one of its own, and drops members and deltas whose id is not the "
                    + "hash of their identity key (legacy_id_refused). Turn on once every node has a self-certifying id "
                    + "(SECURITY.md, Node identity). Default: ${DEFAULT-VALUE}.")
    boolean requireSelfCertifyingIds;

    @Option(
            names = "--datapath",
            defaultValue = "auto",
            description =
                    "vxlan|auto: auto uses plain routes to peers on the same L2 segment, VXLAN otherwise. Default: ${DEFAULT-VALUE}.")
    String datapath;

    @Option(names = "--vxlan-port", defaultValue = "4789", description = "VXLAN UDP port. Default: ${DEFAULT-VALUE}.")
    int vxlanPort;

    @Option(
            names = "--vni",
            defaultValue = "4242",
            description = "VXLAN network identifier (1..16777215). Default: ${DEFAULT-VALUE}.")
    int vni;

    @Option(
            names = "--vxlan-device",
            defaultValue = "weft.vxlan",
            description = "Name of the VXLAN device (1..15 chars). Default: ${DEFAULT-VALUE}.")
    String vxlanDevice;

    @Option(
            names = "--mtu",
            defaultValue = "0",
            description = "Pod MTU; 0 = underlay MTU minus 50 (VXLAN overhead). Default: ${DEFAULT-VALUE}.")
    int mtu;

    @Option(
            names = "--underlay-interface",
            description = "Underlay interface. Default: the interface of the advertise address.")
    String underlayInterface;

    @Option(
            names = "--sleeve-port",
            defaultValue = "6771",
            description = "Encrypted sleeve UDP port. Default: ${DEFAULT-VALUE}.")
    int sleevePort;

    @Option(
            names = "--http-address",
            defaultValue = ":6772",
            description = "Address of /metrics, /healthz, /readyz (read-only): "
                    + "HOST:PORT, or :PORT for this node's own underlay address (not 0.0.0.0, so only the node network reaches it). "
                    + "Default: ${DEFAULT-VALUE}.")
    String httpAddress;

    @Option(names = "--log-format", defaultValue = "text", description = "text|json. Default: ${DEFAULT-VALUE}.")
    String logFormat;

    @Option(
            names = "--log-level",
            defaultValue = "info",
            description = "error|warn|info|debug|trace. Default: ${DEFAULT-VALUE}.")
    String logLevel;

    @Option(
            names = "--kubernetes",
            defaultValue = "false",
            description =
                    "Run as a Kubernetes DaemonSet pod: peers from Node objects, "
                            + "ring bootstrap and reclaim guarded by the API server, node annotations and NetworkUnavailable. Default: ${DEFAULT-VALUE}.")
    boolean kubernetes;

    @Option(
            names = "--ipam-mode",
            defaultValue = "ring",
            description =
                    "ring|podcidr: podcidr takes this node's range from its "
                            + "Kubernetes node.spec.podCIDR (or --pod-cidr) instead of the gossiped ring. Default: ${DEFAULT-VALUE}.")
    String ipamMode;

    @Option(
            names = "--pod-cidr",
            description =
                    "This node's pod range in podcidr mode outside Kubernetes (with --kubernetes it is read from the Node).")
    String podCidr;

    @Option(
            names = "--cni-bin-dir",
            defaultValue = "/opt/cni/bin",
            description = "Where the CNI plugin is installed. Default: ${DEFAULT-VALUE}.")
    Path cniBinDir;

    @Option(
            names = "--cni-conf-dir",
            defaultValue = "/etc/cni/net.d",
            description = "Where the conflist is written. Default: ${DEFAULT-VALUE}.")
    Path cniConfDir;

    /** Validates every option and returns the config, or throws one {@link ConfigException} naming all problems. */
    public AgentConfig toConfig() {
        List<String> bad = new ArrayList<>();
        String node = nodeName;
        if (node == null || node.isBlank()) node = hostname();
        if (!NODE_NAME.matcher(node).matches()) {
            bad.add(problem("--node-name", node, "a DNS-1123 name: letters, digits, '-', '.'"));
        }
        if (!CLUSTER_NAME.matcher(clusterName).matches()) {
            bad.add(problem("--cluster-name", clusterName, "1..63 of letters, digits, '-', '_', '.'"));
        }
        ClusterRanges ranges =
                ClusterRanges.parse("--cluster-range", clusterRange, "10.32.0.0/12,fd00:10:32::/48", bad);
        if (blockSize < 4 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            bad.add(problem("--block-size", String.valueOf(blockSize), "a power of two from 4 to 65536"));
        }
        if (blockSizeV6 < 4 || blockSizeV6 > 65536 || Integer.bitCount(blockSizeV6) != 1) {
            bad.add(problem("--block-size-v6", String.valueOf(blockSizeV6), "a power of two from 4 to 65536"));
        }
        List<String> seeds = clean(ipamSeeds);
        for (String s : seeds) {
            if (!NODE_NAME.matcher(s).matches()) bad.add(problem("--ipam-seed", s, "node names"));
        }
        List<String> peerList = clean(peers);
        for (String p : peerList) {
            String hp = peerProblem(p);
            if (hp != null) bad.add(problem("--peers", p, "HOST or HOST:PORT (" + hp + ")"));
        }
        checkPort(bad, "--gossip-port", gossipPort);
        checkPort(bad, "--vxlan-port", vxlanPort);
        checkPort(bad, "--sleeve-port", sleevePort);
        if (!isIp(bindAddress)) bad.add(problem("--bind-address", bindAddress, "an IP address such as 0.0.0.0"));
        if (advertiseAddress != null && !advertiseAddress.isBlank() && !isIp(advertiseAddress)) {
            bad.add(problem("--advertise-address", advertiseAddress, "an IP address"));
        }
        boolean required = true;
        switch (encryption.trim().toLowerCase(Locale.ROOT)) {
            case "required" -> {}
            case "disabled" -> required = false;
            case "optional" ->
                bad.add("--encryption (env WEFT_ENCRYPTION): 'optional' is no longer accepted (without a secret anyone "
                        + "who reaches the gossip port can join and rewrite the cluster); give every node the same --secret-file "
                        + "(make one with: weft secret generate) and leave --encryption at its default 'required', or say "
                        + "--encryption=disabled to run without encryption on purpose");
            default -> bad.add(problem("--encryption", encryption, "required, disabled"));
        }
        if (required && secretFile == null && encryption.trim().equalsIgnoreCase("required")) {
            bad.add(
                    "--encryption=required (the default) needs --secret-file (env WEFT_SECRET_FILE): make a cluster secret with "
                            + "'weft secret generate > weft.key' (chmod 600), give the same file to every node; or run without encryption "
                            + "on purpose with --encryption=disabled");
        }
        if (!required && secretFile != null) {
            bad.add(
                    "--encryption=disabled and --secret-file are both set: remove one (with a secret, encryption is required)");
        }
        if (encryptPodTraffic && (!required || secretFile == null)) {
            bad.add("--encrypt-pod-traffic needs a cluster secret (--secret-file) and --encryption=required");
        }
        AgentConfig.DatapathMode mode = null;
        switch (datapath.trim().toLowerCase(Locale.ROOT)) {
            case "vxlan" -> mode = AgentConfig.DatapathMode.VXLAN;
            case "auto" -> mode = AgentConfig.DatapathMode.AUTO;
            default -> bad.add(problem("--datapath", datapath, "vxlan, auto"));
        }
        if (vni < 1 || vni > 0xFFFFFF) bad.add(problem("--vni", String.valueOf(vni), "1..16777215"));
        if (vxlanDevice.isEmpty()
                || vxlanDevice.length() > 15
                || vxlanDevice.contains("/")
                || vxlanDevice.contains(" ")) {
            bad.add(problem(
                    "--vxlan-device", vxlanDevice, "an interface name of 1..15 characters without '/' or spaces"));
        }
        if (mtu != 0 && (mtu < 576 || mtu > 65535))
            bad.add(problem("--mtu", String.valueOf(mtu), "0 (auto) or 576..65535"));
        InetSocketAddress http = null;
        try {
            String h = httpAddress.trim();
            http = h.startsWith(":")
                    ? InetSocketAddress.createUnresolved("", parsePort(h.substring(1)))
                    : parseHostPort(h, -1);
        } catch (IllegalArgumentException e) {
            bad.add(problem(
                    "--http-address",
                    httpAddress,
                    ":PORT (this node's underlay address) or HOST:PORT such as 192.0.2.11:6772 (" + e.getMessage()
                            + ")"));
        }
        LogFormat fmt = null;
        try {
            fmt = LogFormat.parse(logFormat);
        } catch (IllegalArgumentException e) {
            bad.add(problem("--log-format", logFormat, "text, json"));
        }
        String level = logLevel.trim().toLowerCase(Locale.ROOT);
        if (!Arrays.asList("error", "warn", "info", "debug", "trace").contains(level)) {
            bad.add(problem("--log-level", logLevel, "error, warn, info, debug, trace"));
        }
        if (secretFile != null && !secretFile.toFile().canRead()) {
            bad.add(problem("--secret-file", secretFile.toString(), "a readable file with the cluster secret"));
        } else if (secretFile != null) {
            try {
                SecretFile.read(secretFile);
            } catch (SecretFile.InvalidSecretException e) {
                bad.add("--secret-file (env WEFT_SECRET_FILE): " + e.getMessage());
            }
        }
        boolean podCidrMode = false;
        switch (ipamMode.trim().toLowerCase(Locale.ROOT)) {
            case "ring" -> {}
            case "podcidr" -> podCidrMode = true;
            default -> bad.add(problem("--ipam-mode", ipamMode, "ring, podcidr"));
        }
        String fixedCidr = blank(podCidr);
        ClusterRanges fixed =
                fixedCidr == null ? null : ClusterRanges.parse("--pod-cidr", fixedCidr, "10.32.1.0/24", bad);
        if (fixed != null
                && ranges != null
                && (fixed.dualStack() != ranges.dualStack() || fixed.primaryIsV6() != ranges.primaryIsV6())) {
            bad.add("--pod-cidr (env WEFT_POD_CIDR): '" + fixedCidr + "' must have the same address families as "
                    + "--cluster-range '" + clusterRange + "' (one CIDR per family)");
        }
        if (podCidrMode && !kubernetes && fixedCidr == null) {
            bad.add("--ipam-mode=podcidr needs --kubernetes (range from the Node) or --pod-cidr (env WEFT_POD_CIDR)");
        }
        if (!bad.isEmpty()) throw new ConfigException(bad);
        return new AgentConfig(
                node,
                stateDir,
                runDir,
                clusterName,
                ranges.primary(),
                ranges.primaryIsV6() ? blockSizeV6 : blockSize,
                ranges.v6(),
                blockSizeV6,
                seeds,
                peerList,
                bindAddress,
                blank(advertiseAddress),
                gossipPort,
                secretFile,
                required,
                encryptPodTraffic,
                mode,
                vxlanPort,
                vni,
                vxlanDevice,
                mtu,
                blank(underlayInterface),
                sleevePort,
                http,
                fmt,
                level,
                cniBinDir,
                cniConfDir,
                kubernetes,
                podCidrMode,
                fixed == null ? null : fixed.primary(),
                fixed == null ? null : fixed.v6(),
                requireSelfCertifyingIds);
    }
}
