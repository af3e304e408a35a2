package dev.weft.agent.core;

import dev.weft.agent.config.AgentConfig;
import dev.weft.ipam.addr.Cidr;
import java.util.List;
import java.util.Optional;

/**
 * The part of the agent's configuration the controller acts on, plus what the runtime found at start (the sleeve's
 * public key when a sleeve is possible on this node).
 *
 * @param ipamSeeds node names that split the range when the ring is created (seed mode), else empty
 * @param kubernetes the ring is bootstrapped through the API server (no seed claim)
 * @param podCidrMode every node owns exactly its pod CIDR; peers' ranges come from their records
 * @param hostGw plain routes to same-L2 peers are offered ({@code --datapath=auto})
 * @param clusterRange every pod address of the cluster (in podCIDR mode, peers' prefixes must lie inside it)
 * @param v6Range the IPv6 range of a dual-stack cluster, else null
 */
public record ControllerSettings(
        List<String> ipamSeeds,
        boolean kubernetes,
        boolean podCidrMode,
        boolean hostGw,
        int vxlanPort,
        int vni,
        int gossipPort,
        Optional<byte[]> sleevePublicKey,
        Cidr clusterRange,
        Cidr v6Range) {
    public ControllerSettings {
        ipamSeeds = List.copyOf(ipamSeeds);
    }

    /** Single-stack settings (no IPv6 range of a dual-stack cluster). */
    public ControllerSettings(
            List<String> ipamSeeds,
            boolean kubernetes,
            boolean podCidrMode,
            boolean hostGw,
            int vxlanPort,
            int vni,
            int gossipPort,
            Optional<byte[]> sleevePublicKey,
            Cidr clusterRange) {
        this(
                ipamSeeds,
                kubernetes,
                podCidrMode,
                hostGw,
                vxlanPort,
                vni,
                gossipPort,
                sleevePublicKey,
                clusterRange,
                null);
    }

    public static ControllerSettings of(AgentConfig c, Optional<byte[]> sleevePublicKey) {
        return new ControllerSettings(
                c.ipamSeeds(),
                c.kubernetes(),
                c.podCidrMode(),
                c.datapath() == AgentConfig.DatapathMode.AUTO,
                c.vxlanPort(),
                c.vni(),
                c.gossipPort(),
                sleevePublicKey,
                Cidr.parse(c.clusterRange()),
                c.dualStack() ? Cidr.parse(c.clusterRangeV6()) : null);
    }

    /** A new cluster's seed node claims its share itself (seed mode only). */
    boolean seedMode() {
        return !kubernetes && !podCidrMode && !ipamSeeds.isEmpty();
    }
}
