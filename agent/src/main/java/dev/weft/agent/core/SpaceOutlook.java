package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.IpamStatus;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The cluster range's fill as this node sees it in the ring (its own real free count, the other owners' gossiped
 * hints), and the diagnosis an operator needs when a pod gets no address: is space on its way (a live peer has
 * enough to give), or is the cluster range full, or is what is free out of this node's reach (in pieces too small
 * to give, or held by peers that are not alive)? One address family: the ring covers one cluster range.
 *
 * @param verdict what the numbers mean for this node
 * @param range the cluster range
 * @param family {@code ipv4} or {@code ipv6}
 * @param total addresses in the cluster range
 * @param used addresses not free anywhere (pods, each node's gateway, reserved addresses)
 * @param free free addresses summed over the owners
 * @param localFree free addresses on this node
 * @param holders the owners with free addresses, most first
 * @param minDonation the least a peer must have free to be asked for space (two minimum blocks)
 */
public record SpaceOutlook(
        Verdict verdict,
        String range,
        String family,
        long total,
        long used,
        long free,
        long localFree,
        List<Holder> holders,
        long minDonation) {

    /** Use at or above this percentage is reported as nearly full (status warning, log line, doctor). */
    public static final int NEARLY_FULL_PERCENT = 90;

    private static final int HOLDERS_SHOWN = 5;

    public enum Verdict {
        /** No ring yet (or podCIDR mode): nothing to say about the cluster range. */
        NO_RING,
        OK,
        /** At least {@link #NEARLY_FULL_PERCENT} % in use; this node still has or can get space. */
        NEARLY_FULL,
        /** This node has nothing free and no live peer has enough to give, though addresses are free somewhere. */
        FRAGMENTED,
        /** No free address anywhere in the cluster range. */
        FULL;

        /** A new pod on this node gets no address until an operator acts (or pods go away). */
        public boolean stuck() {
            return this == FRAGMENTED || this == FULL;
        }
    }

    /** An owner with free addresses; {@code canGive} when it is a live peer with at least {@code minDonation}. */
    public record Holder(PeerId peer, String nickname, boolean self, long free, boolean alive, boolean removed) {}

    public SpaceOutlook {
        holders = List.copyOf(holders);
    }

    /** Nothing to say (no shared ring, e.g. podCIDR mode). */
    public static SpaceOutlook none(IpamStatus s) {
        return new SpaceOutlook(
                Verdict.NO_RING,
                s.clusterRange().toString(),
                s.clusterRange().isIpv4() ? "ipv4" : "ipv6",
                0,
                0,
                0,
                s.localFree(),
                List.of(),
                2L * s.minBlock());
    }

    /** Assesses {@code s}; {@code alive} and {@code nickname} describe the other peers. */
    public static SpaceOutlook assess(
            IpamStatus s, Predicate<PeerId> alive, Function<PeerId, String> nickname, String selfNickname) {
        long minDonation = 2L * s.minBlock();
        BigInteger size = s.clusterRange().size();
        long total = size.bitLength() < 63 ? size.longValue() : Long.MAX_VALUE;
        String family = s.clusterRange().isIpv4() ? "ipv4" : "ipv6";
        String range = s.clusterRange().toString();
        if (!s.ringExists() || s.owners().isEmpty()) {
            return new SpaceOutlook(Verdict.NO_RING, range, family, total, 0, 0, s.localFree(), List.of(), minDonation);
        }
        long free = 0;
        boolean canGive = false;
        List<Holder> holders = new ArrayList<>();
        for (IpamStatus.OwnerStatus o : s.owners()) {
            long f = Math.max(0, o.self() ? s.localFree() : o.free());
            if (f == 0) continue;
            free += f;
            boolean live = o.self() || alive.test(o.peer());
            holders.add(new Holder(
                    o.peer(), o.self() ? selfNickname : nickname.apply(o.peer()), o.self(), f, live, o.removed()));
            if (!o.self() && live && !o.removed() && f >= minDonation) canGive = true;
        }
        holders.sort(Comparator.comparingLong(Holder::free).reversed().thenComparing(Holder::peer));
        long used = Math.max(0, total - free);
        Verdict v;
        if (free == 0) v = Verdict.FULL;
        else if (s.localFree() == 0 && !canGive) v = Verdict.FRAGMENTED;
        else if (used >= (double) total * NEARLY_FULL_PERCENT / 100) v = Verdict.NEARLY_FULL;
        else v = Verdict.OK;
        return new SpaceOutlook(v, range, family, total, used, free, s.localFree(), holders, minDonation);
    }

    public int percentUsed() {
        return total == 0 ? 0 : (int) Math.min(100, used * 100 / total);
    }

    /** One sentence: how full the range is and who holds the free addresses. */
    public String summary() {
        String fill = used + " of " + total + " addresses in use (" + percentUsed() + " %)";
        return switch (verdict) {
            case NO_RING -> "no IPAM ring yet for the cluster range " + range;
            case FULL ->
                "the cluster range " + range + " is full: " + fill
                        + ", counting pods, each node's gateway and reserved addresses";
            case FRAGMENTED ->
                "the cluster range " + range + " is exhausted for this node: " + fill + "; the " + free
                        + " free ones are held by " + holderText()
                        + ", and no live peer has the " + minDonation + " free addresses it takes to give some away";
            case NEARLY_FULL, OK -> "the cluster range " + range + " has " + fill + "; free: " + holderText();
        };
    }

    /** What an operator can do, or null when there is nothing to do. */
    public String advice() {
        return switch (verdict) {
            case NO_RING, OK -> null;
            case FULL ->
                "delete pods that are no longer needed, reclaim nodes that are gone for good ('weft rmpeer <peer>'), or "
                        + "grow the cluster range (README: Growing the cluster range)";
            case FRAGMENTED ->
                "delete pods on this node that are no longer needed, schedule new pods on the nodes that hold free "
                        + "addresses, reclaim nodes that are gone for good ('weft rmpeer <peer>'), or grow the cluster "
                        + "range (README: Growing the cluster range)";
            case NEARLY_FULL ->
                "plan ahead: delete pods that are no longer needed or grow the cluster range (README: Growing the "
                        + "cluster range); alert on weft_ipam_cluster_addresses";
        };
    }

    private String holderText() {
        if (holders.isEmpty()) return "no node";
        List<String> parts = new ArrayList<>();
        for (Holder h : holders.subList(0, Math.min(HOLDERS_SHOWN, holders.size()))) {
            String note = h.self() ? ", this node" : h.removed() ? ", removed" : !h.alive() ? ", not alive" : "";
            parts.add(h.nickname() + " (" + h.free() + note + ")");
        }
        if (holders.size() > HOLDERS_SHOWN) parts.add((holders.size() - HOLDERS_SHOWN) + " more");
        return String.join(", ", parts);
    }
}
