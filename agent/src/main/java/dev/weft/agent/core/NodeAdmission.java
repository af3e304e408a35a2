package dev.weft.agent.core;

import dev.weft.agent.node.NodeRecords;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.InvalidAddressException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: which gossip members the controller believes. A member is admitted only if a Node carries its
 * peer id, and its record only if the record's underlay address is one of that Node's addresses and (podCIDR mode)
 * every prefix it announces is one of the Node's {@code spec.podCIDRs}. Until the first Node list arrives members
 * wait. A member admitted once stays admitted when its Node goes away (its death must still be seen, to reclaim).
 * Refusals are counted by reason and logged at most once a minute per peer; the latest refused view of each peer
 * is kept (bounded) and looked at again whenever the Nodes change (an agent annotates its Node after it joins).
 * Outside Kubernetes every member is admitted.
 */
final class NodeAdmission {
    private static final Logger log = LoggerFactory.getLogger(NodeAdmission.class);

    static final String NOT_ON_NODE = "member_not_on_node";
    static final String ADDRESS_MISMATCH = "record_address_mismatch";
    static final String PODCIDR_MISMATCH = "record_podcidr_mismatch";
    static final long LOG_EVERY_MS = 60_000;
    private static final int MAX_WAITING = 1024;

    enum Verdict {
        ADMIT,
        WAIT,
        REFUSE
    }

    private final boolean kubernetes;
    private final boolean podCidrMode;
    private Map<PeerId, NodeFacts> nodes; // null until the first list
    private final Set<PeerId> admitted = new HashSet<>();
    private final Map<PeerId, MemberView> waiting = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PeerId, MemberView> e) {
            return size() > MAX_WAITING;
        }
    };
    private final Map<String, Long> refused = new TreeMap<>();
    private final Map<PeerId, Long> loggedAt = new HashMap<>();

    NodeAdmission(boolean kubernetes, boolean podCidrMode) {
        this.kubernetes = kubernetes;
        this.podCidrMode = podCidrMode;
    }

    Verdict check(MemberView m, long now) {
        if (!kubernetes) return Verdict.ADMIT;
        if (nodes == null) {
            waiting.put(m.id(), m);
            return Verdict.WAIT;
        }
        String why = refusal(m);
        if (why == null) {
            admitted.add(m.id());
            waiting.remove(m.id());
            return Verdict.ADMIT;
        }
        waiting.put(m.id(), m);
        refused.merge(why, 1L, Long::sum);
        Long last = loggedAt.get(m.id());
        if (last == null || now - last >= LOG_EVERY_MS) {
            if (loggedAt.size() > MAX_WAITING) loggedAt.clear();
            loggedAt.put(m.id(), now);
            log.atWarn()
                    .addKeyValue("peer", m.id())
                    .addKeyValue("addr", m.address())
                    .addKeyValue("reason", why)
                    .addKeyValue("count", refused.get(why))
                    .log("not believing a gossip member: " + explain(why)
                            + "; if this is a Weft agent of this cluster, check its Node's weft.dev/peer-id annotation"
                            + " and addresses (kubectl get node -o yaml)");
        }
        return Verdict.REFUSE;
    }

    /** A new picture of the Nodes; returns the members to look at again (waiting or refused before). */
    List<MemberView> onNodes(Map<PeerId, NodeFacts> byPeer) {
        nodes = Map.copyOf(byPeer);
        List<MemberView> again = new ArrayList<>(waiting.values());
        waiting.clear();
        return again;
    }

    /** Members refused, by reason. */
    Map<String, Long> refused() {
        return Map.copyOf(refused);
    }

    private String refusal(MemberView m) {
        NodeFacts n = nodes.get(m.id());
        if (n == null) return admitted.contains(m.id()) ? null : NOT_ON_NODE;
        if (m.record().length == 0) return null;
        NodeRecords.Valid rec;
        try {
            rec = NodeRecords.decode(m.id(), m.record());
        } catch (NodeRecords.Invalid e) {
            return null; // the peer table ignores an invalid record and says why
        }
        if (!n.addresses().isEmpty() && !n.addresses().contains(rec.underlay())) return ADDRESS_MISMATCH;
        if (podCidrMode) {
            Set<Cidr> allowed = new HashSet<>();
            for (String c : n.podCidrs()) {
                try {
                    allowed.add(Cidr.parse(c.trim()));
                } catch (InvalidAddressException e) {
                    // the API server validates podCIDRs; a foreign value only narrows what is allowed
                }
            }
            for (String c : rec.record().getPodCidrsList()) {
                try {
                    if (!allowed.contains(Cidr.parse(c))) return PODCIDR_MISMATCH;
                } catch (InvalidAddressException e) {
                    return PODCIDR_MISMATCH;
                }
            }
        }
        return null;
    }

    private static String explain(String why) {
        return switch (why) {
            case NOT_ON_NODE -> "no Node is annotated with its peer id";
            case ADDRESS_MISMATCH -> "its record's underlay address is not an address of its Node";
            case PODCIDR_MISMATCH -> "its record announces a pod prefix that is not its Node's spec.podCIDRs";
            default -> why;
        };
    }
}
