package dev.weft.agent.core;

import dev.weft.datapath.ClusterView;
import dev.weft.ipam.addr.Cidr;
import java.util.List;
import java.util.Set;

/**
 * One apply of the datapath, as the controller asks for it: the view to program, whether entries may be removed
 * yet, the cluster ranges for nftables, the live peers (only their probes count) and the peers the sleeve follows.
 */
public record DatapathRequest(
        long seq,
        ClusterView view,
        boolean addOnly,
        List<Cidr> clusterRanges,
        Set<String> livePeers,
        List<SleeveTarget> sleevePeers) {
    public DatapathRequest {
        clusterRanges = List.copyOf(clusterRanges);
        livePeers = Set.copyOf(livePeers);
        sleevePeers = List.copyOf(sleevePeers);
    }
}
