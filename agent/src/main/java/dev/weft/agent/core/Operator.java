package dev.weft.agent.core;

import dev.weft.gossip.swim.MemberState;
import dev.weft.id.PeerId;
import java.util.Locale;
import java.util.Optional;

/** Checks of operator commands before the controller acts on them. */
final class Operator {
    private Operator() {}

    /** The peer {@code weft rmpeer} may reclaim: known by id or nickname (or any valid id), not alive, not this node. */
    static PeerId rmpeerTarget(PeerTable peers, String idOrNickname, PeerId self) {
        Optional<PeerTable.Peer> p = peers.find(idOrNickname);
        PeerId target;
        if (p.isPresent()) {
            var m = p.get().member();
            if (m.state() == MemberState.ALIVE || m.state() == MemberState.SUSPECT) {
                throw new IllegalStateException(
                        "peer " + m.id() + " (" + p.get().nickname() + ") is "
                                + m.state().name().toLowerCase(Locale.ROOT)
                                + " in gossip; stop its agent (or wait until it is declared dead) before reclaiming its ranges");
            }
            target = m.id();
        } else {
            target = PeerId.tryParse(idOrNickname)
                    .orElseThrow(() -> new IllegalStateException(
                            "no peer with id or nickname '" + idOrNickname + "' is known; see weft status ipam"));
        }
        if (target.equals(self)) throw new IllegalStateException("refusing to reclaim this node's own ranges");
        return target;
    }
}
