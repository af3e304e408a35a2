package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.TombstoneGate;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requester side of the space protocol: when this node runs low, ask the live peer with the
 * most free space, paced, and apply the donor's answer.
 *
 * <p>Free space per peer comes from hints the agent passes in ({@link #setFreeHints}: each peer's
 * {@code ipam_free} from its gossiped node record), falling back to the free counts in the ring
 * (written only when ownership changes, so possibly old). Hints are advisory: the donor decides from
 * its real free space and refuses if it has nothing to spare; the refusing donor is skipped for the
 * next request. A stale hint costs one round trip, never an address.
 */
final class SpaceRequester {
    private static final Logger log = LoggerFactory.getLogger(SpaceRequester.class);

    private record Pending(long requestId, PeerId donor, long sentAtMillis) {}

    private final NodeState s;
    private final RingExchange exchange;
    private Predicate<PeerId> isLive = p -> true;
    private Map<PeerId, Long> freeHints = Map.of();
    private Pending pending;
    private PeerId lastRefusedDonor;

    SpaceRequester(NodeState s, RingExchange exchange) {
        this.s = s;
        this.exchange = exchange;
    }

    void setLivenessView(Predicate<PeerId> isLive) {
        this.isLive = isLive == null ? p -> true : isLive;
    }

    void setFreeHints(Map<PeerId, Long> hints) {
        this.freeHints = hints == null ? Map.of() : Map.copyOf(hints);
    }

    Optional<PeerId> pendingDonor() {
        return pending == null ? Optional.empty() : Optional.of(pending.donor());
    }

    /** Each owner's free space as this node believes it: the hint if known, else the ring's count. */
    Map<Long, Long> believedFree(Ring ring) {
        Map<Long, Long> out = new HashMap<>(ring.freeByOwner());
        for (Map.Entry<PeerId, Long> h : freeHints.entrySet()) {
            out.computeIfPresent(h.getKey().value(), (p, f) -> Math.max(0, h.getValue()));
        }
        if (out.containsKey(s.self)) {
            out.put(s.self, s.localFree());
        }
        return out;
    }

    Optional<SpaceRequest> requestIfNeeded(long nowMillis) {
        s.checkUsable();
        if (s.ring() == null || !s.synced || s.isRemoved() || s.localFree() >= s.config.lowFreeWatermark()) {
            return Optional.empty();
        }
        if (pending != null && nowMillis - pending.sentAtMillis() < s.config.spaceRequestRetryMillis()) {
            return Optional.empty();
        }
        Map<Long, Long> free = believedFree(s.ring());
        Optional<PeerId> donor = chooseDonor(free, lastRefusedDonor).or(() -> chooseDonor(free, null));
        if (donor.isEmpty()) {
            return Optional.empty();
        }
        long id = ++s.nextRequestId;
        pending = new Pending(id, donor.get(), nowMillis);
        s.counters.spaceRequestsSent++;
        log.info(
                "asking for space peer={} donor={} donorFree={} localFree={}",
                s.selfId,
                donor.get(),
                free.get(donor.get().value()),
                s.localFree());
        return Optional.of(SpaceRequest.newBuilder()
                .setFormatVersion(SpaceMessages.FORMAT_VERSION)
                .setGenesis(s.ring().genesis().id())
                .setRequester(s.self)
                .setDonor(donor.get().value())
                .setWanted(s.config.wantedPerRequest())
                .setRequestId(id)
                .build());
    }

    /** The live peer with the most free space (at least two blocks), never {@code exclude}. */
    private Optional<PeerId> chooseDonor(Map<Long, Long> free, PeerId exclude) {
        long donor = 0;
        long best = 0;
        long minUseful = 2L * s.config.ring().minBlock();
        Ring ring = s.ring();
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            long p = e.getKey();
            if (p == s.self
                    || (exclude != null && p == exclude.value())
                    || ring.isRemoved(p)
                    || s.seedPlaceholders.contains(p)
                    || !isLive.test(PeerId.of(p))) {
                continue;
            }
            if (e.getValue() >= minUseful
                    && (e.getValue() > best || (e.getValue() == best && Long.compareUnsigned(p, donor) < 0))) {
                donor = p;
                best = e.getValue();
            }
        }
        return donor == 0 ? Optional.empty() : Optional.of(PeerId.of(donor));
    }

    /** {@code from}: the proven sender (null: trusted as a whole, tests); must be the donor. */
    GrantResult handleGrant(PeerId from, SpaceGrant grant, TombstoneGate gate) throws IOException {
        s.checkUsable();
        if (grant.getRequester() != s.self
                || s.ring() == null
                || !s.ring().genesis().id().equals(grant.getGenesis())
                || grant.getDonor() == 0) {
            return new GrantResult.Ignored("grant is not for this peer or this ring");
        }
        if (from != null && from.value() != grant.getDonor()) {
            return new GrantResult.Ignored(
                    "grant names donor " + PeerId.of(grant.getDonor()) + " but came from " + from);
        }
        PeerId donor = PeerId.of(grant.getDonor());
        boolean answersPending = pending != null && pending.requestId() == grant.getRequestId();
        if (!grant.getRefusal().isEmpty() || grant.getGrantedCount() == 0) {
            s.counters.spaceGrantsRefused++;
            if (answersPending) {
                lastRefusedDonor = donor;
            }
            String reason = grant.getRefusal().isEmpty() ? "donor granted nothing" : grant.getRefusal();
            log.info("space request refused peer={} donor={} reason={}", s.selfId, donor, reason);
            return new GrantResult.Refused(reason);
        }
        List<IpRange> granted = SpaceMessages.grantedRanges(grant);
        Ring before = s.ring();
        RingUpdate u = exchange.applyRemoteRing(from, grant.getRing().toByteArray(), gate);
        // publish what this node now owns that it did not before (the donor publishes its own split)
        s.outgoing.record(before, s.ring(), s.self);
        if (answersPending) {
            pending = null;
            lastRefusedDonor = null;
        }
        s.counters.spaceGrantsReceived++;
        return new GrantResult.Granted(granted, u);
    }
}
