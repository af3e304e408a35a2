package dev.weft.agent.core;

import dev.weft.agent.node.NodeRecords;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The peers as gossip reports them, with their decoded node records. Owned by the controller. */
public final class PeerTable {
    private static final Logger log = LoggerFactory.getLogger(PeerTable.class);

    /** One peer: its latest membership view and, if it published a valid one, its record. */
    public record Peer(MemberView member, Optional<NodeRecords.Valid> record, String recordProblem) {
        public PeerId id() {
            return member.id();
        }

        /** The node name from its record, or "(record pending)" before the record arrived. */
        public String nickname() {
            return record.map(r -> r.record().getNickname()).orElse("(record pending)");
        }

        public boolean alive() {
            return member.state() == MemberState.ALIVE;
        }
    }

    /** What an update changed. */
    enum Change {
        NONE,
        STATE,
        RECORD
    }

    private final Map<PeerId, Peer> peers = new HashMap<>();

    /** Updates the member; says whether its state or its record changed. */
    Change update(MemberView m) {
        Peer old = peers.get(m.id());
        Optional<NodeRecords.Valid> rec = old == null ? Optional.empty() : old.record();
        String problem = old == null ? null : old.recordProblem();
        boolean recordChanged =
                old == null || !java.util.Arrays.equals(old.member().record(), m.record());
        if (recordChanged && m.record().length > 0) {
            try {
                rec = Optional.of(NodeRecords.decode(m.id(), m.record()));
                problem = null;
            } catch (NodeRecords.Invalid e) {
                if (!e.getMessage().equals(problem)) {
                    log.atWarn()
                            .addKeyValue("peer", m.id())
                            .addKeyValue("addr", m.address())
                            .log("ignoring the node record of a peer: " + e.getMessage()
                                    + "; is that node running a compatible Weft version?");
                }
                problem = e.getMessage();
            }
        }
        peers.put(m.id(), new Peer(m, rec, problem));
        if (old == null || old.member().state() != m.state()) return Change.STATE;
        return recordChanged ? Change.RECORD : Change.NONE;
    }

    public Optional<Peer> get(PeerId id) {
        return Optional.ofNullable(peers.get(id));
    }

    public Collection<Peer> all() {
        return peers.values();
    }

    boolean isAlive(PeerId id) {
        Peer p = peers.get(id);
        return p != null && p.alive();
    }

    boolean anyAlive() {
        return peers.values().stream().anyMatch(Peer::alive);
    }

    /** Finds a peer by id or nickname. */
    Optional<Peer> find(String idOrNickname) {
        Optional<PeerId> id = PeerId.tryParse(idOrNickname);
        if (id.isPresent() && peers.containsKey(id.get())) return Optional.of(peers.get(id.get()));
        return peers.values().stream()
                .filter(x -> x.nickname().equals(idOrNickname))
                .findFirst();
    }

    /** An immutable copy for snapshots. */
    List<Peer> copy() {
        return List.copyOf(peers.values());
    }

    String nickname(PeerId id) {
        Peer p = peers.get(id);
        return p == null ? "(unknown)" : p.nickname();
    }
}
