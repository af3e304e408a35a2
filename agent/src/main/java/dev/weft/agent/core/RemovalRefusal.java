package dev.weft.agent.core;

import dev.weft.id.PeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ring says this node was reclaimed, with a proof the ring accepts, while pods here still hold addresses: the
 * node refuses (keeps its state, its ranges and its pods' routes) and says so until it restarts or its pods are gone
 * (then the next copy of that ring is accepted and it starts over as a new peer). Logged at ERROR once, and again
 * when the reclaimer or the pod count changes; shown as a readiness problem ({@code weft status}, {@code weft
 * doctor}) and counted as {@code self_removal_refused} in {@code weft_ipam_refused_messages_total}.
 */
final class RemovalRefusal {
    private static final Logger log = LoggerFactory.getLogger(RemovalRefusal.class);

    static final String REASON = "self_removal_refused";

    private String message;
    private String logged;

    /** Records a refused removal of {@code self} by {@code reclaimer} (in an update from {@code from}). */
    void refused(PeerId self, PeerId reclaimer, PeerId from, int allocations) {
        String key = reclaimer + "/" + allocations;
        message = "peer " + reclaimer + " reclaimed this node's address ranges (ring from peer " + from + "), but "
                + allocations + " pod address(es) are allocated here: refusing, this node keeps its state and serves"
                + " its pods. If this node's Kubernetes Node was deleted or 'weft rmpeer " + self + "' was run on"
                + " purpose: delete the pods on this node; the agent then starts over with a new peer id. If not,"
                + " a peer holding the cluster secret forged the reclaim: check peer " + reclaimer
                + " and rotate the secret (SECURITY.md)";
        if (!key.equals(logged)) {
            logged = key;
            log.atError()
                    .addKeyValue("peer", self)
                    .addKeyValue("reclaimer", reclaimer)
                    .addKeyValue("allocations", allocations)
                    .log(message);
        }
    }

    /** The operator message while a removal is refused, else null. */
    String message() {
        return message;
    }
}
