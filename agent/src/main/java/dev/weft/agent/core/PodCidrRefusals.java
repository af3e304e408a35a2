package dev.weft.agent.core;

import dev.weft.id.PeerId;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * podCIDR mode: the prefixes this node refused from peers' records, counted by reason once per (peer, prefix, reason)
 * and logged once each, however often the view is rebuilt. One per controller, used on its thread only.
 */
final class PodCidrRefusals {
    static final String MALFORMED = "pod_cidr_malformed";
    static final String OUTSIDE_RANGE = "pod_cidr_outside_range";
    static final String OVERLAP = "pod_cidr_overlap";

    /** Bounds the memory an attacker announcing ever new prefixes can take; forgetting means counting again. */
    private static final int REMEMBERED_AT_MOST = 1024;

    private static final Logger log = LoggerFactory.getLogger(PodCidrRefusals.class);

    private final Set<String> seen = new HashSet<>();
    private final Map<String, Long> counts = new TreeMap<>();

    /** Records that {@code peer}'s record announced {@code cidr} and it was refused for {@code reason}. */
    void refuse(PeerId peer, String cidr, String reason, String why) {
        if (seen.size() >= REMEMBERED_AT_MOST) seen.clear();
        if (!seen.add(peer + " " + cidr + " " + reason)) return;
        counts.merge(reason, 1L, Long::sum);
        log.atWarn()
                .addKeyValue("peer", peer)
                .addKeyValue("range", cidr)
                .addKeyValue("reason", reason)
                .log("ignoring a pod CIDR in a peer's node record: " + why
                        + "; is that node misconfigured or compromised?");
    }

    /** Refusals so far by reason. */
    Map<String, Long> counts() {
        return Map.copyOf(counts);
    }
}
