package dev.weft.ipam.ring;

import dev.weft.ipam.addr.IpRange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Which changes of a full ring state this node believes, given its proven sender (gossip verifies the sender's
 * signature on the state before the ring sees it). Anti-entropy relays every peer's entries, so the sender of a full
 * state is not the author of most of them. A changed entry (a higher version at a token, or a token new here) or a
 * new tombstone is believed when:
 *
 * <ol>
 *   <li><b>the sender is its author</b>, as for deltas: the entry that encloses it here is the sender's, or belongs
 *       to a peer the sender reclaimed (a tombstone here or one believed in this state), or it is the sender's seed
 *       claim; a new tombstone is the sender's when it names the sender as reclaimer; or
 *   <li><b>two distinct proven senders</b> showed the identical entry (token, owner, version) or tombstone in their
 *       full states ({@link Corroboration}).
 * </ol>
 *
 * Everything else is left out of the merge (the merge is a join, so merging the believed subset is like merging a
 * delta; a token left out stays absent here and the entry before it keeps covering its range until it is believed)
 * and counted. A new tombstone is believed only together with all its reclaim proof (the reclaimer's entries at the
 * removed peer's tokens); otherwise it waits as well. Sound against one compromised node as far as views are current:
 * an honest node holds only entries that passed these rules, so a forged entry is shown only by its forger and never
 * by two distinct signers. Limits (SECURITY.md): two colluding nodes (or one node with two identities) can forge; and
 * since authorship is judged against this node's view, a node that missed a hand-over believes the old owner inside
 * its old range, so a forger can take back a range it gave away through such a node. {@link RingAuthority}'s rules (tombstone
 * proof, nobody changes this node's entries) run first, on the whole state.
 */
public final class FullStateTrust {
    private FullStateTrust() {}

    /**
     * The outcome of {@link #merge}.
     *
     * @param unproven changed entries and tombstones left out because neither rule held
     * @param corroborated changed entries and tombstones believed because two senders showed them
     */
    public record Result(Ring.PeerMergeResult merge, int unproven, int corroborated) {}

    /**
     * Merges a full ring state {@code remote} from the proven {@code sender} into {@code local} as peer {@code self}:
     * {@link RingAuthority}'s rules on the whole state, then only the believed changes ({@code inUse}: as for
     * {@link Ring#mergeAsPeer}).
     *
     * @throws RingAuthorityException a rule of {@link RingAuthority} was broken; nothing is applied
     */
    public static Result merge(
            Ring local,
            Ring remote,
            long self,
            long sender,
            TombstoneGate gate,
            Corroboration pending,
            Predicate<IpRange> inUse) {
        if (!local.config().equals(remote.config()) || !local.genesis().equals(remote.genesis())) {
            throw new RingMismatchException(local.describe(), remote.describe());
        }
        RingEntry[] other = remote.entryArray();
        RingAuthority.check(local, other, remote.tombstones(), self, 0, false, gate);
        int[] counts = new int[2]; // unproven, corroborated
        Map<Long, Long> tombs = believedTombstones(local, remote.tombstones(), sender, pending, counts);
        RingEntry[] mine = local.entryArray();
        List<RingEntry> kept = new ArrayList<>(other.length);
        Set<RingEntry> leftOut = new HashSet<>();
        for (RingEntry b : other) {
            int k = local.indexOf(b.token());
            if (k < 0) {
                kept.add(b); // outside the range: the merge refuses it as invalid
                continue;
            }
            RingEntry a = mine[k];
            boolean exact = a.token().equals(b.token());
            if (exact && b.version() <= a.version()) {
                kept.add(b); // nothing new (the join keeps ours; at equal versions the free hint is advisory)
                continue;
            }
            long reclaimer = RingAuthority.reclaimedBy(local, tombs, a.owner());
            boolean authored =
                    a.owner() == sender || reclaimer == sender || RingAuthority.isSeedClaim(local, a, b, exact, sender);
            if (authored) {
                kept.add(b);
            } else if (pending.present(new Corroboration.EntryClaim(b.token(), b.owner(), b.version()), sender)) {
                kept.add(b);
                counts[1]++;
            } else {
                leftOut.add(b);
                counts[0]++;
            }
        }
        dropTombstonesWithoutProof(local, other, leftOut, tombs, counts);
        RingDelta believed = RingDelta.of(local.config(), local.genesis(), kept, tombs);
        return new Result(local.mergeAsPeer(believed, self, inUse), counts[0], counts[1]);
    }

    /** The remote's tombstones this node has, plus the new ones the sender is the reclaimer of or two senders showed. */
    private static Map<Long, Long> believedTombstones(
            Ring local, Map<Long, Long> theirs, long sender, Corroboration pending, int[] counts) {
        Map<Long, Long> out = new TreeMap<>();
        for (Map.Entry<Long, Long> t : theirs.entrySet()) {
            if (local.tombstones().containsKey(t.getKey()) || t.getValue() == sender) {
                out.put(t.getKey(), t.getValue());
            } else if (pending.present(new Corroboration.TombstoneClaim(t.getKey(), t.getValue()), sender)) {
                out.put(t.getKey(), t.getValue());
                counts[1]++;
            } else {
                counts[0]++;
            }
        }
        return out;
    }

    /** A new tombstone goes in only with its whole reclaim proof; a proof entry left out holds it back too. */
    private static void dropTombstonesWithoutProof(
            Ring local, RingEntry[] other, Set<RingEntry> leftOut, Map<Long, Long> tombs, int[] counts) {
        if (leftOut.isEmpty()) {
            return;
        }
        for (var it = tombs.entrySet().iterator(); it.hasNext(); ) {
            long removed = it.next().getKey();
            if (local.tombstones().containsKey(removed)) {
                continue;
            }
            for (RingEntry a : local.entryArray()) {
                RingEntry b = a.owner() == removed ? RingAuthority.entryAt(other, a) : null;
                if (b != null && leftOut.contains(b)) {
                    it.remove();
                    counts[0]++;
                    break;
                }
            }
        }
    }
}
