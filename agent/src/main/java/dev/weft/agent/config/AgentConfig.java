package dev.weft.agent.config;

import dev.weft.agent.logging.LogFormat;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent's validated, immutable configuration. Built by {@link AgentOptions#toConfig()}; every field has
 * a default, a flag, a {@code WEFT_*} environment variable and a config-file key (README "Configuration").
 *
 * <p>Address families: {@code clusterRange} (with {@code blockSize}) is the primary range: the IPv4 range, or the
 * IPv6 range of a single-stack IPv6 cluster. {@code clusterRangeV6} (with {@code blockSizeV6}) is the IPv6 range of
 * a dual-stack cluster, null when single-stack; likewise {@code podCidr} and {@code podCidrV6}.
 *
 * <p>{@code requireSelfCertifyingIds}: refuse legacy peer ids, this node's own included (SECURITY.md, Node identity).
 */
public record AgentConfig(
        String nodeName,
        Path stateDir,
        Path runDir,
        String clusterName,
        String clusterRange,
        int blockSize,
        String clusterRangeV6,
        int blockSizeV6,
        List<String> ipamSeeds,
        List<String> peers,
        String bindAddress,
        String advertiseAddress,
        int gossipPort,
        Path secretFile,
        boolean encryptionRequired,
        boolean encryptPodTraffic,
        DatapathMode datapath,
        int vxlanPort,
        int vni,
        String vxlanDevice,
        int mtu,
        String underlayInterface,
        int sleevePort,
        InetSocketAddress httpAddress,
        LogFormat logFormat,
        String logLevel,
        Path cniBinDir,
        Path cniConfDir,
        boolean kubernetes,
        boolean podCidrMode,
        String podCidr,
        String podCidrV6,
        boolean requireSelfCertifyingIds) {

    /** How traffic to remote peers is carried. */
    public enum DatapathMode {
        /** Kernel VXLAN to every peer. */
        VXLAN,
        /** Plain routes to peers on the same L2 segment, VXLAN to the rest (Flannel's DirectRouting). */
        AUTO;

        public String cliName() {
            return this == VXLAN ? "vxlan" : "auto";
        }
    }

    /** One IPv4 and one IPv6 range: every pod gets an address of each family (one ring per family). */
    public boolean dualStack() {
        return clusterRangeV6 != null;
    }

    /** The operator said {@code --encryption=disabled}: gossip runs without a secret. */
    public boolean encryptionDisabled() {
        return !encryptionRequired;
    }

    /** {@code --http-address} without a host ({@code :PORT}, the default): bind this node's underlay address. */
    public boolean httpOnUnderlay() {
        return httpAddress.getHostString().isEmpty();
    }

    public Path cliSocket() {
        return runDir.resolve("weft.sock");
    }

    public Path cniSocket() {
        return runDir.resolve("cni.sock");
    }
}
