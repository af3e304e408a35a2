package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.ring.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds the immutable {@link IpamStatus} snapshot (status CLI, metrics). */
final class StatusView {
    private StatusView() {}

    static IpamStatus of(NodeState s, SpaceRequester requester) {
        Ring ring = s.ring();
        List<IpamStatus.OwnerStatus> owners = new ArrayList<>();
        long localSize = 0;
        if (ring != null) {
            Map<Long, Long> free = requester.believedFree(ring);
            Map<Long, Long> size = ring.sizeByOwner();
            localSize = size.getOrDefault(s.self, 0L);
            List<PeerId> ids = ring.owners().stream().map(PeerId::of).sorted().toList();
            for (PeerId p : ids) {
                List<IpRange> ranges = ring.rangesOwnedBy(p.value());
                List<Cidr> cidrs = new ArrayList<>();
                ranges.forEach(r -> cidrs.addAll(r.toCidrs()));
                owners.add(new IpamStatus.OwnerStatus(
                        p,
                        p.equals(s.selfId),
                        ring.isRemoved(p.value()),
                        ranges,
                        cidrs,
                        size.get(p.value()),
                        free.get(p.value())));
            }
        }
        return new IpamStatus(
                s.selfId,
                s.nickname,
                s.config.ring().range(),
                s.config.ring().minBlock(),
                ring != null,
                ring == null ? Optional.empty() : Optional.of(ring.genesis().id()),
                s.isRemoved(),
                owners,
                localSize,
                s.localFree(),
                s.alloc.gateway(),
                Map.copyOf(s.alloc.byKey()),
                requester.pendingDonor(),
                s.counters.snapshot());
    }
}
