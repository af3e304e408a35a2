package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.ring.FullStateTrust;
import dev.weft.ipam.ring.Intervals;
import dev.weft.ipam.ring.RangeTakeoverRefusedException;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingConflictException;
import dev.weft.ipam.ring.RingDecodeException;
import dev.weft.ipam.ring.RingDelta;
import dev.weft.ipam.ring.RingDeltaCodec;
import dev.weft.ipam.ring.RingEntry;
import dev.weft.ipam.ring.RingInvariantException;
import dev.weft.ipam.ring.RingMismatchException;
import dev.weft.ipam.ring.Tombstone;
import dev.weft.ipam.ring.TombstoneGate;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ring state in and out of this node: full rings (anti-entropy, joins, grants) and deltas (what
 * changed). Also keeps the sync gate: a full ring that holds this node's latest entries proves the
 * sender has seen this node's state (a delta cannot prove that: it is partial).
 */
final class RingExchange {
    private static final Logger log = LoggerFactory.getLogger(RingExchange.class);

    private final NodeState s;
    private int lastUnproven; // of the full state being applied

    RingExchange(NodeState s) {
        this.s = s;
    }

    Optional<byte[]> localRingBytes() {
        byte[] b = s.ringBytes();
        return b == null ? Optional.empty() : Optional.of(b.clone());
    }

    Optional<byte[]> takeOutgoingDelta() {
        if (s.isRemoved()) {
            s.outgoing.clear(); // a removed peer changes nothing any more
            return Optional.empty();
        }
        Optional<RingDelta> d = s.outgoing.take(s.ring());
        d.ifPresent(x -> s.counters.deltasPublished++);
        return d.map(RingDeltaCodec::encode);
    }

    RingUpdate applyRemoteRing(byte[] bytes) throws IOException {
        return applyRemoteRing(bytes, TombstoneGate.ADMIT_ALL);
    }

    /** A ring from a source trusted as a whole (tests, simulations): only {@code RingAuthority}'s rules. */
    RingUpdate applyRemoteRing(byte[] bytes, TombstoneGate gate) throws IOException {
        return applyRemoteRing(null, bytes, gate);
    }

    /**
     * A full ring state whose sender {@code from} is proven (gossip verified its signature on the state); null: a
     * source trusted as a whole. With a sender, only the changes {@link FullStateTrust} believes are merged.
     */
    RingUpdate applyRemoteRing(PeerId from, byte[] bytes, TombstoneGate gate) throws IOException {
        lastUnproven = 0;
        RingUpdate u = applyRing(from, bytes, gate);
        return lastUnproven == 0 ? u : u.withUnproven(lastUnproven);
    }

    private RingUpdate applyRing(PeerId from, byte[] bytes, TombstoneGate gate) throws IOException {
        s.checkUsable();
        Ring remote = decode(() -> RingCodec.decode(bytes));
        if (s.isRemoved()) {
            return new RingUpdate(false, true, List.of(), List.of());
        }
        if (s.ring() == null) {
            Optional<Ring> genesis = from == null ? Optional.empty() : genesisRing(remote);
            if (genesis.isEmpty()) {
                return adopt(remote);
            }
            return guarded(() ->
                    adopt(trusted(genesis.get(), remote, from, gate, r -> false).ring()));
        }
        return guarded(() -> {
            // A peer that is being removed gives up its gateway address with its ranges; only pod
            // addresses block the takeover then. Otherwise the gateway (the node's VTEP) is in use too.
            Predicate<IpRange> inUse = remote.isRemoved(s.self) ? s.alloc::hasAllocationIn : s.alloc::inUse;
            Ring.PeerMergeResult m = from == null
                    ? s.ring().mergeAsPeerChecked(remote, s.self, gate, inUse)
                    : trusted(s.ring(), remote, from, gate, inUse);
            refuseRemovalWithPods(m);
            if (!s.synced && knowsOurLatest(remote, s.ring())) {
                s.synced = true;
            }
            if (!m.changed()) {
                s.counters.ringsUnchanged++;
                return new RingUpdate(false, m.selfRemoved(), List.of(), List.of());
            }
            s.counters.ringsApplied++;
            return commit(m);
        });
    }

    /** {@link FullStateTrust#merge} from {@code local}, counting what was left out or corroborated. */
    private Ring.PeerMergeResult trusted(
            Ring local, Ring remote, PeerId from, TombstoneGate gate, Predicate<IpRange> inUse) {
        FullStateTrust.Result r = FullStateTrust.merge(local, remote, s.self, from.value(), gate, s.pending, inUse);
        lastUnproven = r.unproven();
        s.counters.ringEntriesUnproven += r.unproven();
        s.counters.ringEntriesCorroborated += r.corroborated();
        if (r.unproven() > 0) {
            log.debug(
                    "full ring state from peer={} left {} unproven change(s) out until a second peer shows them",
                    from,
                    r.unproven());
        }
        return r.merge();
    }

    /**
     * The ring as it was created, to merge a first full state into under {@link FullStateTrust}'s rules (a node
     * without a ring believes only what the sender wrote or two senders show, like any node). Empty if the genesis
     * alone does not say what the first ring was (a seed list this node was not given): the state is then adopted
     * as a whole, as before.
     */
    private Optional<Ring> genesisRing(Ring remote) {
        String id = remote.genesis().id();
        if (!remote.config().equals(s.config.ring())
                || (s.expected != null && !remote.genesis().equals(s.expected))
                || !id.startsWith("creator:")) {
            return Optional.empty(); // adopt() refuses a mismatch with its usual error
        }
        String[] parts = id.split(":", 3);
        try {
            PeerId creator = PeerId.parse(parts[1]);
            Ring r = Ring.createdBy(s.config.ring(), creator.value(), parts[2]);
            return r.genesis().equals(remote.genesis()) ? Optional.of(r) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A delta whose publisher is unknown: checked like a full state (tombstone proof, own entries). */
    RingUpdate applyRemoteDelta(byte[] bytes) throws IOException {
        return applyRemoteDelta(null, bytes, TombstoneGate.ADMIT_ALL);
    }

    /** A delta published by {@code from} (authenticated by gossip; null if unknown). */
    RingUpdate applyRemoteDelta(PeerId from, byte[] bytes, TombstoneGate gate) throws IOException {
        s.checkUsable();
        RingDelta delta = decode(() -> RingDeltaCodec.decode(bytes));
        if (s.isRemoved()) {
            return new RingUpdate(false, true, List.of(), List.of());
        }
        if (s.ring() == null) {
            if (!delta.config().equals(s.config.ring())
                    || (s.expected != null && !delta.genesis().equals(s.expected))) {
                s.counters.ringMismatches++;
                throw new RingMismatchException(
                        s.config.ring() + " genesis=" + (s.expected == null ? "(any)" : s.expected), delta.describe());
            }
            s.counters.deltasWithoutRing++; // a delta cannot create a ring: wait for a full state
            return new RingUpdate(false, false, List.of(), List.of());
        }
        return guarded(() -> {
            boolean removing = delta.tombstones().containsKey(s.self);
            Predicate<IpRange> inUse = removing ? s.alloc::hasAllocationIn : s.alloc::inUse;
            Ring.PeerMergeResult m =
                    s.ring().mergeAsPeerChecked(delta, s.self, from == null ? 0 : from.value(), gate, inUse);
            refuseRemovalWithPods(m);
            if (!m.changed()) {
                s.counters.deltasUnchanged++;
                return new RingUpdate(false, m.selfRemoved(), List.of(), List.of());
            }
            s.counters.deltasApplied++;
            return commit(m);
        });
    }

    /** A node never wipes itself while pods hold addresses here (the merge already refuses losing such ranges). */
    private void refuseRemovalWithPods(Ring.PeerMergeResult m) {
        if (m.selfRemoved() && !s.isRemoved() && s.alloc.count() > 0) {
            Tombstone t = m.ring().tombstoneOf(s.self).orElseThrow();
            IpRange any = s.owned().isEmpty()
                    ? s.config.ring().range().toRange()
                    : s.owned().getFirst();
            throw new RangeTakeoverRefusedException(any, s.selfId, t.reclaimedBy(), true);
        }
    }

    /** Saves a merged ring, runs the owner follow-ups and records what they changed for publishing. */
    private RingUpdate commit(Ring.PeerMergeResult m) throws IOException {
        Ring before = s.ring();
        s.transact(() -> {
            s.setRing(m.ring());
            s.ownerFollowUps();
        });
        s.outgoing.record(m.ring(), s.ring()); // only this node's own follow-up changes
        s.pending.prune(s.ring());
        List<IpRange> gained = Intervals.subtract(s.owned(), before.rangesOwnedBy(s.self));
        List<IpRange> lost = Intervals.subtract(before.rangesOwnedBy(s.self), s.owned());
        logOwnershipChange(gained, lost);
        if (m.selfRemoved()) {
            logRemoved();
        }
        return new RingUpdate(!s.ring().equals(before), m.selfRemoved(), gained, lost);
    }

    private interface Merge {
        RingUpdate run() throws IOException;
    }

    /** Runs a merge, counting each kind of refusal. */
    private RingUpdate guarded(Merge merge) throws IOException {
        try {
            return merge.run();
        } catch (RangeTakeoverRefusedException e) {
            s.counters.ringsRefusedTakeover++;
            throw e;
        } catch (RingConflictException e) {
            s.counters.ringConflicts++;
            throw e;
        } catch (RingMismatchException e) {
            s.counters.ringMismatches++;
            throw e;
        } catch (RingInvariantException e) {
            s.counters.ringInvalid++;
            throw e;
        }
    }

    private <T> T decode(Supplier<T> decoder) {
        try {
            return decoder.get();
        } catch (RingDecodeException | RingInvariantException e) {
            s.counters.ringInvalid++;
            throw e;
        }
    }

    /**
     * True if {@code remote} has every entry this node owns in {@code local} at the same or a
     * higher version: the sender has seen this node's latest state, so its ring is a fair picture of
     * the cluster (a freshly started peer's initial ring is not: trusting it could let a node that
     * was reclaimed while away hand out addresses from its old ranges).
     */
    private boolean knowsOurLatest(Ring remote, Ring local) {
        for (RingEntry e : local.entries()) {
            if (e.owner() != s.self) {
                continue;
            }
            int i = remote.indexOf(e.token());
            if (i < 0) {
                return false;
            }
            RingEntry r = remote.entries().get(i);
            if (!r.token().equals(e.token()) || r.version() < e.version()) {
                return false;
            }
        }
        return true;
    }

    private RingUpdate adopt(Ring remote) throws IOException {
        if (!remote.config().equals(s.config.ring())
                || (s.expected != null && !remote.genesis().equals(s.expected))) {
            s.counters.ringMismatches++;
            throw new RingMismatchException(
                    s.config.ring() + " genesis=" + (s.expected == null ? "(any)" : s.expected), remote.describe());
        }
        s.transact(() -> {
            s.setRing(remote);
            s.expected = remote.genesis();
            s.ownerFollowUps();
        });
        s.outgoing.record(remote, s.ring());
        s.pending.prune(s.ring());
        s.synced = true;
        s.counters.ringsApplied++;
        log.info(
                "adopted ring from gossip peer={} genesis={} entries={}",
                s.selfId,
                s.ring().genesis(),
                s.ring().size());
        boolean removed = s.isRemoved();
        if (removed) {
            logRemoved();
        }
        return new RingUpdate(true, removed, s.owned(), List.of());
    }

    void logRemoved() {
        log.error(
                "this peer was removed from the cluster peer={} reclaimedBy={}: discarding IPAM state and"
                        + " rejoining with a new peer id is required",
                s.selfId,
                s.ring()
                        .tombstoneOf(s.self)
                        .map(t -> t.reclaimedBy().toString())
                        .orElse("?"));
    }

    private void logOwnershipChange(List<IpRange> gained, List<IpRange> lost) {
        for (IpRange r : gained) {
            log.info("range now owned peer={} range={}", s.selfId, r);
        }
        for (IpRange r : lost) {
            log.info("range no longer owned peer={} range={}", s.selfId, r);
        }
    }
}
