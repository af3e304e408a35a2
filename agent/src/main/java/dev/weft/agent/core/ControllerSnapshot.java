package dev.weft.agent.core;

import dev.weft.datapath.DesiredState;
import dev.weft.datapath.ReconcileResult;
import dev.weft.ipam.IpamCounters;
import dev.weft.ipam.IpamStatus;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the controller knew after its last batch of events, immutable: readiness, reports and metrics read this from
 * their own threads and never wait on the controller. {@code ipam}/{@code ipamCounters} are the primary family's;
 * {@code ipamV6}/{@code ipamCountersV6} the IPv6 ring's of a dual-stack node (empty when single-stack).
 */
public record ControllerSnapshot(
        LocalNode self,
        List<String> problems,
        List<PeerTable.Peer> peers,
        IpamStatus ipam,
        IpamCounters ipamCounters,
        Optional<DesiredState> desired,
        Optional<ReconcileResult> lastApply,
        long stateWrites,
        long stateWriteFailures,
        long refusedRingUpdates,
        Map<String, Long> refusedMessages,
        SpaceOutlook space,
        Optional<IpamStatus> ipamV6,
        Optional<IpamCounters> ipamCountersV6) {
    public ControllerSnapshot {
        refusedMessages = Map.copyOf(refusedMessages);
        problems = List.copyOf(problems);
        peers = List.copyOf(peers);
    }

    public boolean ready() {
        return problems.isEmpty();
    }

    public Optional<PeerTable.Peer> peer(dev.weft.id.PeerId id) {
        return peers.stream().filter(p -> p.id().equals(id)).findFirst();
    }
}
