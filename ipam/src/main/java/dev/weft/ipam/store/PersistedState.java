package dev.weft.ipam.store;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingConfig;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything one node's IPAM persists: its identity, its configured range, the ring (once it
 * exists), its allocations, its gateway address and the next space request id.
 */
public record PersistedState(
        long self,
        String nickname,
        RingConfig config,
        Optional<Ring> ring,
        Map<AttachmentKey, IpAddress> allocations,
        Optional<IpAddress> gateway,
        long nextRequestId) {
    public PersistedState {
        allocations = java.util.Collections.unmodifiableMap(new TreeMap<>(allocations));
    }
}
