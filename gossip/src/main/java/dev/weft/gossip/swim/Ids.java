package dev.weft.gossip.swim;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;

/** Peer ids read from the wire: parsed once at the edge, counted (never thrown) when they are not peer ids. */
final class Ids {
    private Ids() {}

    /** The id, or null after counting {@link DropReason#BAD_PEER_ID}. */
    static PeerId parse(String wire, WireCounters counters) {
        PeerId id = PeerId.tryParse(wire).orElse(null);
        if (id == null) {
            counters.drop(DropReason.BAD_PEER_ID);
        }
        return id;
    }
}
