package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;
import java.util.List;

/** The ranges this peer took over from {@code removedPeer}. */
public record ReclaimResult(PeerId removedPeer, List<IpRange> taken) {
    public ReclaimResult {
        taken = List.copyOf(taken);
    }
}
