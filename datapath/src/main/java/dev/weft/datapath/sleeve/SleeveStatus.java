package dev.weft.datapath.sleeve;

import java.util.List;
import java.util.Map;

/**
 * Immutable status of a sleeve for {@code weft status} and metrics.
 *
 * @param peers    the peers the sleeve carries traffic for, with whether an encryption key is known
 * @param counters every data-plane counter (drops included)
 */
public record SleeveStatus(
        String device,
        int ifindex,
        int mtu,
        int port,
        boolean encrypted,
        int queues,
        boolean udpGso,
        List<Peer> peers,
        Map<SleeveCounter, Long> counters) {
    public record Peer(long peerId, String underlay, List<String> cidrs, boolean hasKey) {}
}
