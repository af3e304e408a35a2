package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.ring.Tombstone;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The node's address families as one: what the controller does to every family's ring at once (reclaim, wait for
 * the state on disk, count refusals, route reclaim-Lease answers to the ring that asked). The primary family first,
 * a dual-stack node's IPv6 family second. Used on the controller's thread only.
 */
final class Families {
    private final List<FamilyIpam> all;
    private final FamilyIpam v6;
    /** Kubernetes: which family's ring asked for each reclaim Lease read still unanswered. */
    private final Map<Tombstone, FamilyIpam> leaseAskedBy = new HashMap<>();

    Families(FamilyIpam primary, FamilyIpam v6) {
        this.v6 = v6;
        this.all = v6 == null ? List.of(primary) : List.of(primary, v6);
    }

    List<FamilyIpam> all() {
        return all;
    }

    FamilyIpam primary() {
        return all.get(0);
    }

    /** True once any family's ring says this node was removed (it restarts as a new peer). */
    boolean removed() {
        for (FamilyIpam f : all) if (f.ring.removed()) return true;
        return false;
    }

    /** Takes over the target's ranges in every family's ring. */
    List<IpRange> reclaimAll(PeerId target) throws IOException {
        List<IpRange> taken = new ArrayList<>();
        for (FamilyIpam f : all) taken.addAll(f.ring.reclaim(target));
        return taken;
    }

    /** Runs {@code done} once every family's staged state is on disk; {@code failed} at most once otherwise. */
    void afterAllWritten(Runnable done, Consumer<String> failed) {
        if (v6 == null) {
            primary().durability.afterWrite(done, failed);
            return;
        }
        boolean[] failedOnce = {false};
        primary()
                .durability
                .afterWrite(
                        () -> v6.durability.afterWrite(done, err -> {
                            if (!failedOnce[0]) failed.accept(err);
                            failedOnce[0] = true;
                        }),
                        err -> {
                            failedOnce[0] = true;
                            failed.accept(err);
                        });
    }

    /** Every family's ring refusals, by reason, summed. */
    Map<String, Long> refused() {
        Map<String, Long> sum = new TreeMap<>();
        for (FamilyIpam f : all) f.ring.refused().forEach((k, v) -> sum.merge(k, v, Long::sum));
        return sum;
    }

    /** Kubernetes: the tombstones whose reclaim Lease should be read now, remembering which ring asked. */
    List<Tombstone> leasesWanted() {
        List<Tombstone> wanted = new ArrayList<>();
        for (FamilyIpam f : all) {
            for (Tombstone t : f.ring.leaseChecksWanted()) {
                leaseAskedBy.put(t, f);
                wanted.add(t);
            }
        }
        return wanted;
    }

    /** Hands a reclaim Lease's answer to the ring that asked; true when the node's view changed. */
    boolean onLeaseAnswer(Tombstone t, ReclaimLeaseAnswer answer) {
        FamilyIpam f = leaseAskedBy.remove(t);
        return (f == null ? primary() : f).ring.onLeaseAnswer(t, answer);
    }
}
