package dev.weft.agent.runtime;

import dev.weft.agent.node.NodeRecords;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The peers as gossip reports them, with their decoded node records. Owned by the agent loop. */
final class PeerTable {
    private static final Logger log = LoggerFactory.getLogger(PeerTable.class);

    /** One peer: its latest membership view and, if it published a valid one, its record. */
    record Peer(MemberView member, Optional<NodeRecords.Valid> record, String recordProblem) {
        String nickname() {
            return record.map(r -> r.record().getNickname()).orElse("?");
        }

        boolean alive() {
            return member.state() == MemberState.ALIVE;
        }
    }

    private final Map<String, Peer> peers = new HashMap<>();

    /** Updates the member; returns true if anything the datapath or IPAM care about changed. */
    boolean update(MemberView m) {
        Peer old = peers.get(m.id());
        Optional<NodeRecords.Valid> rec = old == null ? Optional.empty() : old.record();
        String problem = old == null ? null : old.recordProblem();
        boolean recordChanged = old == null || !java.util.Arrays.equals(old.member().record(), m.record());
        if (recordChanged && m.record().length > 0) {
            try {
                rec = Optional.of(NodeRecords.decode(m.id(), m.record()));
                problem = null;
            } catch (NodeRecords.Invalid e) {
                if (!e.getMessage().equals(problem)) {
                    log.atWarn().addKeyValue("peer", m.id()).addKeyValue("addr", m.address())
                            .log("ignoring the node record of a peer: " + e.getMessage()
                                    + "; is that node running a compatible Weft version?");
                }
                problem = e.getMessage();
            }
        }
        peers.put(m.id(), new Peer(m, rec, problem));
        return old == null || recordChanged || old.member().state() != m.state();
    }

    Optional<Peer> get(String id) {
        return Optional.ofNullable(peers.get(id));
    }

    Collection<Peer> all() {
        return peers.values();
    }

    boolean isAlive(String id) {
        Peer p = peers.get(id);
        return p != null && p.alive();
    }

    /** Finds a peer by id or nickname. */
    Optional<Peer> find(String idOrNickname) {
        Peer p = peers.get(idOrNickname);
        if (p != null) return Optional.of(p);
        return peers.values().stream().filter(x -> x.nickname().equals(idOrNickname)).findFirst();
    }
}
