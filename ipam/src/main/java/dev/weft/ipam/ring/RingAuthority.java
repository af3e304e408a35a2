package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Who may change what, checked before a remote ring update is merged (pure; nothing is applied when it throws):
 *
 * <ol>
 *   <li><b>Tombstones need proof.</b> A tombstone new here (peer X reclaimed by R) takes effect only when the same
 *       update carries, for every entry this node knows X owns, an entry at that token no longer owned by X whose
 *       version is above this node's by more than half of {@link Ring#RECLAIM_VERSION_JUMP} (what {@link
 *       RingOperations#reclaim} writes; the half tolerates changes X made that the reclaimer had not seen). A delta
 *       carrying a new tombstone must come from the reclaimer itself. The caller's {@link TombstoneGate} then has
 *       the last word (Kubernetes: the reclaim Lease).
 *   <li><b>Nobody changes this node's entries</b> (a higher version at its token, or a new token inside its range)
 *       except by a proven reclaim of this node.
 *   <li><b>A delta changes only its sender's entries</b>: entries the sender owned, entries of a peer the sender
 *       reclaimed, a seed placeholder's share the sender claims, and the entry right after one of those (a delta
 *       carries each changed entry's successor to bound its range).
 * </ol>
 *
 * A delta's sender is proven: gossip hands over only deltas signed by their origin's identity key. Full states are
 * relayed by anti-entropy, so their sender is not the author of most entries in them: rules 1 and 2 apply to the whole
 * state here, and {@link FullStateTrust} then merges only the changes their (proven: full states are signed by their
 * sender) sender wrote by rule 3's test, or that two distinct senders showed.
 */
final class RingAuthority {
    private RingAuthority() {}

    /**
     * @param sender the authenticated peer a delta came from (its publisher), or 0 for a full state (relayed)
     * @throws RingAuthorityException naming the broken rule
     */
    static void check(
            Ring local,
            RingEntry[] other,
            Map<Long, Long> otherTombstones,
            long self,
            long sender,
            boolean delta,
            TombstoneGate gate) {
        Map<Long, Long> fresh = new TreeMap<>();
        for (Map.Entry<Long, Long> t : otherTombstones.entrySet()) {
            if (!local.tombstones().containsKey(t.getKey())) fresh.put(t.getKey(), t.getValue());
        }
        for (Map.Entry<Long, Long> t : fresh.entrySet()) {
            Tombstone ts = new Tombstone(PeerId.of(t.getKey()), PeerId.of(t.getValue()));
            if (delta && t.getValue() != sender) {
                throw new RingAuthorityException(
                        RingAuthorityException.TOMBSTONE_NOT_FROM_RECLAIMER,
                        "refusing a ring delta from peer=" + PeerId.of(sender) + ": it carries the tombstone " + ts
                                + ", which only the reclaimer publishes",
                        ts);
            }
            requireReclaimProof(local, other, ts);
            Optional<String> no = gate.refusal(ts);
            if (no.isPresent()) {
                throw new RingAuthorityException(
                        no.get(),
                        "refusing a ring update with the tombstone " + ts + ": "
                                + no.get().replace('_', ' '),
                        ts);
            }
        }
        boolean selfReclaimed = fresh.containsKey(self);
        RingEntry[] mine = local.entryArray();
        boolean previousAuthored = false;
        for (RingEntry b : other) {
            int k = local.indexOf(b.token());
            if (k < 0) continue; // outside the range: the merge refuses it as invalid
            RingEntry a = mine[k];
            boolean exact = a.token().equals(b.token());
            boolean changed = !exact || b.version() > a.version();
            if (!changed) {
                previousAuthored = b.owner() == sender;
                continue;
            }
            if (a.owner() == self && !selfReclaimed && !lateSplitOfReclaimed(local, a, b, exact, self)) {
                throw new RingAuthorityException(
                        RingAuthorityException.OWN_ENTRY_CHANGED,
                        "refusing a ring update" + from(sender) + ": it changes range=" + local.rangeOf(k)
                                + " of this peer=" + PeerId.of(self) + " (" + a + " -> " + b
                                + ") without a proven reclaim of this peer; only this peer changes its entries",
                        null);
            }
            if (!delta) continue;
            boolean authored = a.owner() == sender
                    || reclaimedBy(local, otherTombstones, a.owner()) == sender
                    || isSeedClaim(local, a, b, exact, sender);
            if (!authored && !previousAuthored) {
                throw new RingAuthorityException(
                        RingAuthorityException.FOREIGN_ENTRY_CHANGED,
                        "refusing a ring delta from peer=" + PeerId.of(sender) + ": it changes range="
                                + local.rangeOf(k) + " owned by peer=" + PeerId.of(a.owner()) + " (" + a + " -> " + b
                                + "); a delta may change only its sender's entries",
                        null);
            }
            previousAuthored = authored;
        }
    }

    private static void requireReclaimProof(Ring local, RingEntry[] other, Tombstone ts) {
        long removed = ts.removedPeer().value();
        RingEntry[] mine = local.entryArray();
        for (int i = 0; i < mine.length; i++) {
            RingEntry a = mine[i];
            if (a.owner() != removed) continue;
            RingEntry b = entryAt(other, a);
            if (b == null || b.owner() == removed || b.version() - a.version() <= Ring.RECLAIM_VERSION_JUMP / 2) {
                throw new RingAuthorityException(
                        RingAuthorityException.TOMBSTONE_WITHOUT_RECLAIM,
                        "refusing a ring update with the tombstone " + ts + ": it does not carry the reclaimer's"
                                + " version-jumped entry for range=" + local.rangeOf(i) + " (here " + a + ", in the"
                                + " update " + (b == null ? "absent" : b.toString()) + "); a real reclaim always does",
                        ts);
            }
        }
    }

    /**
     * A split the removed peer made before it died, arriving after this node reclaimed its entry: a new token
     * (never jumped) inside an entry this node holds by a reclaim (jumped) while it is the reclaimer of some peer.
     * Accepted as the merge always did; the takeover check still refuses it if addresses in it are in use here.
     */
    private static boolean lateSplitOfReclaimed(Ring local, RingEntry a, RingEntry b, boolean exact, long self) {
        return !exact
                && a.version() > Ring.RECLAIM_VERSION_JUMP
                && b.version() < Ring.RECLAIM_VERSION_JUMP
                && local.tombstones().containsValue(self);
    }

    /** The entry of {@code other} (sorted by token) at exactly {@code a}'s token, or null. */
    static RingEntry entryAt(RingEntry[] other, RingEntry a) {
        int lo = 0;
        int hi = other.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = other[mid].token().compareTo(a.token());
            if (c == 0) return other[mid];
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }

    static long reclaimedBy(Ring local, Map<Long, Long> otherTombstones, long peer) {
        Long by = local.tombstones().get(peer);
        if (by == null) by = otherTombstones.get(peer);
        return by == null ? 0 : by;
    }

    /** A seed node taking over its placeholder share: version 1 to 2, new owner the sender. */
    static boolean isSeedClaim(Ring local, RingEntry a, RingEntry b, boolean exact, long sender) {
        return exact
                && local.genesis().id().startsWith("seeds:")
                && a.version() == 1
                && b.version() == 2
                && b.owner() == sender;
    }

    private static String from(long sender) {
        return sender == 0 ? "" : " from peer=" + PeerId.of(sender);
    }
}
