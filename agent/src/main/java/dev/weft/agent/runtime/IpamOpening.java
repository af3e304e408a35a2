package dev.weft.agent.runtime;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.core.StagedStore;
import dev.weft.agent.runtime.AgentRuntime.StartupException;
import dev.weft.agent.state.Identity;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.store.IpamStore;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens this node's IPAM at start: the state is read once from disk here; from then on IPAM saves into a
 * {@link StagedStore} and the controller has the disk writer persist it.
 */
final class IpamOpening {
    private static final Logger log = LoggerFactory.getLogger(IpamOpening.class);

    private IpamOpening() {}

    /** Ring mode: the cluster range split among peers; seed mode also computes the initial split. */
    static IpamNode ring(AgentConfig config, Identity identity, IpamStore disk, StagedStore[] staged)
            throws StartupException {
        return ring(config, identity, disk, staged, config.clusterRange(), config.blockSize());
    }

    /** Dual stack: the IPv6 ring, opened (and seeded) like the primary one from its own state file. */
    static IpamNode ringV6(AgentConfig config, Identity identity, IpamStore disk, StagedStore[] staged)
            throws StartupException {
        return ring(config, identity, disk, staged, config.clusterRangeV6(), config.blockSizeV6());
    }

    private static IpamNode ring(
            AgentConfig config, Identity identity, IpamStore disk, StagedStore[] staged, String range, int block)
            throws StartupException {
        IpamConfig ic = IpamConfig.of(Cidr.parse(range), block);
        try {
            staged[0] = new StagedStore(disk.load());
            IpamNode ipam = IpamNode.open(ic, staged[0], identity.peerId(), identity.nickname());
            if (!config.kubernetes() && !config.ipamSeeds().isEmpty()) ipam.bootstrapFromSeeds(config.ipamSeeds());
            return ipam;
        } catch (IOException e) {
            throw new StartupException("cannot load IPAM state from " + config.stateDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new StartupException(
                    "IPAM state in " + config.stateDir() + " does not fit this configuration: " + e.getMessage()
                            + ". If the cluster range or block size changed on purpose, the whole cluster must be re-created "
                            + "(remove the state directory on every node).",
                    e);
        }
    }

    /**
     * podCIDR mode: this node owns exactly its pod CIDR (from {@code --pod-cidr} or its Kubernetes Node), as a ring of
     * its own that is never gossiped; peers' ranges come from their node records.
     */
    static IpamNode podCidr(AgentConfig config, Identity identity, String cidr, IpamStore disk, StagedStore[] staged)
            throws StartupException {
        return podCidr(config, identity, cidr, disk, staged, config.clusterRange(), config.blockSize());
    }

    /** podCIDR mode, dual stack: this node's IPv6 pod CIDR (inside the IPv6 cluster range), in its own state file. */
    static IpamNode podCidrV6(AgentConfig config, Identity identity, String cidr, IpamStore disk, StagedStore[] staged)
            throws StartupException {
        return podCidr(config, identity, cidr, disk, staged, config.clusterRangeV6(), config.blockSizeV6());
    }

    private static IpamNode podCidr(
            AgentConfig config,
            Identity identity,
            String cidr,
            IpamStore disk,
            StagedStore[] staged,
            String clusterRange,
            int blockSize)
            throws StartupException {
        Cidr range = Cidr.parse(cidr);
        Cidr cluster = Cidr.parse(clusterRange);
        if (range.isIpv4() != cluster.isIpv4() || !cluster.contains(range)) {
            throw new StartupException(
                    "podCIDR mode: this node's pod CIDR " + range + " is not inside --cluster-range " + cluster
                            + "; set --cluster-range to the range that holds every node's pod CIDR (the controller manager's --cluster-cidr)",
                    null);
        }
        int block = (int) Math.min(blockSize, range.sizeLong());
        try {
            staged[0] = new StagedStore(disk.load());
            IpamNode ipam =
                    IpamNode.open(IpamConfig.of(range, block), staged[0], identity.peerId(), identity.nickname());
            if (ipam.ring().isEmpty()) ipam.bootstrapAsCreator("podcidr:" + range);
            ipam.markSynced(); // nobody else can own this range: there is nothing to sync
            log.atInfo()
                    .addKeyValue("range", range)
                    .log("podCIDR mode: this node hands out addresses from its own pod CIDR");
            return ipam;
        } catch (IOException e) {
            throw new StartupException("cannot load IPAM state from " + config.stateDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new StartupException(
                    "IPAM state in " + config.stateDir() + " does not fit pod CIDR " + range + ": " + e.getMessage()
                            + ". The node's pod CIDR changed: drain the node and remove the state directory.",
                    e);
        }
    }
}
