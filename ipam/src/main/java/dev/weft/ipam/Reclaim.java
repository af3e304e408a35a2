package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.ring.Intervals;
import dev.weft.ipam.ring.Ring;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Taking over the ranges of a peer that is gone for good (the caller holds the reclaim lock). */
final class Reclaim {
    private static final Logger log = LoggerFactory.getLogger(Reclaim.class);

    private final NodeState s;

    Reclaim(NodeState s) {
        this.s = s;
    }

    ReclaimResult reclaim(PeerId removed) throws IOException {
        s.checkUsable();
        if (s.ring() == null) {
            throw new IllegalStateException("no ring yet: nothing to reclaim");
        }
        Ring before = s.ring();
        s.transact(() -> {
            s.setRing(before.reclaim(s.self, removed.value()));
            s.ownerFollowUps();
        });
        s.outgoing.record(before, s.ring());
        s.counters.reclaims++;
        List<IpRange> taken = Intervals.subtract(s.owned(), before.rangesOwnedBy(s.self));
        log.warn("reclaimed ranges of removed peer={} by={} ranges={}", removed, s.selfId, taken);
        return new ReclaimResult(removed, taken);
    }
}
