package dev.weft.ipam;

import com.google.protobuf.ByteString;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The donor side of the space protocol: checks a request, asks {@link DonationPlanner} what to give
 * (from the donor's real free space, whatever hint brought the request here), splits the ring and
 * answers with a grant that carries the donor's ring. Never throws for bad remote input: the grant
 * then carries a refusal.
 */
final class SpaceDonor {
    private static final Logger log = LoggerFactory.getLogger(SpaceDonor.class);

    private final NodeState s;

    SpaceDonor(NodeState s) {
        this.s = s;
    }

    SpaceGrant handle(SpaceRequest req) throws IOException {
        s.checkUsable();
        SpaceGrant.Builder g = SpaceGrant.newBuilder()
                .setFormatVersion(SpaceMessages.FORMAT_VERSION)
                .setGenesis(s.ring() == null ? "" : s.ring().genesis().id())
                .setDonor(s.self)
                .setRequester(req.getRequester())
                .setRequestId(req.getRequestId());
        String refusal = refusalFor(req);
        if (refusal == null) {
            DonationPlanner.Plan plan = DonationPlanner.plan(
                    s.config.ring().blockBits(),
                    ownEntries(s.ring()),
                    s.alloc.byAddress().keySet(),
                    s.alloc.gateway(),
                    s.reserved,
                    req.getWanted());
            switch (plan) {
                case DonationPlanner.Give give -> {
                    return give(g, give.piece(), PeerId.of(req.getRequester()));
                }
                case DonationPlanner.Refuse r -> refusal = "donor peer " + s.selfId + " " + r.reason();
            }
        }
        s.counters.spaceRequestsRefused++;
        log.info(
                "refusing space request peer={} requester={} reason={}",
                s.selfId,
                SpaceMessages.hex(req.getRequester()),
                refusal);
        return g.setRefusal(refusal).build();
    }

    private SpaceGrant give(SpaceGrant.Builder g, IpRange piece, PeerId requester) throws IOException {
        Ring before = s.ring();
        s.transact(() -> s.setRing(before.donate(s.self, piece, requester.value(), s.alloc::freeIn)));
        s.outgoing.record(before, s.ring());
        s.counters.spaceGrantsGiven++;
        log.info("donated space peer={} requester={} range={} size={}", s.selfId, requester, piece, piece.size());
        return g.addGranted(SpaceMessages.toMsg(piece))
                .setRing(ByteString.copyFrom(s.ringBytes()))
                .build();
    }

    private List<IpRange> ownEntries(Ring ring) {
        List<IpRange> out = new ArrayList<>();
        List<RingEntry> entries = ring.entries();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).owner() == s.self) {
                out.add(ring.rangeOf(i));
            }
        }
        return out;
    }

    private String refusalFor(SpaceRequest req) {
        if (req.getFormatVersion() != SpaceMessages.FORMAT_VERSION) {
            return "unsupported request format " + req.getFormatVersion();
        }
        if (req.getRequester() == 0 || req.getDonor() == 0) {
            return "request names peer id 0";
        }
        if (s.ring() == null) {
            return "donor has no ring yet";
        }
        if (s.isRemoved()) {
            return "donor was removed from the cluster";
        }
        if (!s.synced) {
            return "donor has not synchronised its ring since it started";
        }
        if (!s.ring().genesis().id().equals(req.getGenesis())) {
            return "request is for ring '" + req.getGenesis() + "', donor has '"
                    + s.ring().genesis() + "'";
        }
        if (req.getDonor() != s.self) {
            return "request was addressed to peer " + PeerId.of(req.getDonor());
        }
        if (req.getRequester() == s.self) {
            return "a peer cannot ask itself";
        }
        if (s.ring().isRemoved(req.getRequester())) {
            return "requester peer " + PeerId.of(req.getRequester())
                    + " was removed from the cluster; it must rejoin with a new id";
        }
        return null;
    }
}
