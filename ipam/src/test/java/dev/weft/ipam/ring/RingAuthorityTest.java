package dev.weft.ipam.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each rule of {@link RingAuthority}: the forged update is refused by name and nothing changes; the real one passes. */
class RingAuthorityTest {
    static final RingConfig CFG = new RingConfig(Cidr.parse("10.32.0.0/12"), 64);
    static final long A = 0xaaL;
    static final long B = 0xbbL;
    static final long C = 0xccL;
    static final long EVIL = 0xeeL;
    static final IpRange B_RANGE = IpRange.of(ip("10.40.0.0"), ip("10.44.0.0"));

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    /** A owns most of the range, B owns [10.40, 10.44). Every node knows it. */
    static Ring base() {
        return Ring.createdBy(CFG, A, "uid").donate(A, B_RANGE, B, r -> r.sizeLong());
    }

    static String reasonOf(Throwable t) {
        return ((RingAuthorityException) t).reason();
    }

    @Test
    void aTombstoneAloneIsRefusedAndTheVictimIsNotRemoved() {
        Ring atB = base();
        // the forged ring: the same entries, plus "B reclaimed by EVIL"
        Ring forged = Ring.of(CFG, atB.genesis(), atB.entries(), Map.of(B, EVIL));
        assertThatThrownBy(() -> atB.mergeAsPeerChecked(forged, B, TombstoneGate.ADMIT_ALL, r -> false))
                .isInstanceOf(RingAuthorityException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.TOMBSTONE_WITHOUT_RECLAIM))
                .hasMessageContaining("10.40.0.0");
        // a third node refuses it too (it would otherwise believe B is gone)
        assertThatThrownBy(() -> atB.mergeAsPeerChecked(forged, C, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.TOMBSTONE_WITHOUT_RECLAIM));
        // the unchecked merge (what the agent did before) takes it: the check is what stops it
        assertThat(atB.mergeAsPeer(forged, B, r -> false).selfRemoved()).isTrue();
    }

    @Test
    void aRealReclaimPassesTheProof() {
        Ring atC = base();
        Ring reclaimed = atC.reclaim(A, B); // A reclaims B: version-jumped entries + tombstone
        Ring.PeerMergeResult m = atC.mergeAsPeerChecked(reclaimed, C, TombstoneGate.ADMIT_ALL, r -> false);
        assertThat(m.ring().isRemoved(B)).isTrue();
        assertThat(m.ring().ownerOf(ip("10.40.0.1"))).hasValue(A);
        // and B itself, with no pods, learns it was removed
        assertThat(atC.mergeAsPeerChecked(reclaimed, B, TombstoneGate.ADMIT_ALL, r -> false)
                        .selfRemoved())
                .isTrue();
        // with a pod in its range B refuses (it never wipes itself while it has allocations)
        assertThatThrownBy(() ->
                        atC.mergeAsPeerChecked(reclaimed, B, TombstoneGate.ADMIT_ALL, r -> r.contains(ip("10.40.0.9"))))
                .isInstanceOf(RangeTakeoverRefusedException.class);
    }

    @Test
    void aTombstoneWithEntriesBumpedByLessThanTheReclaimJumpIsRefused() {
        Ring atC = base();
        RingEntry bEntry = atC.entries().get(1);
        Ring forged = Ring.of(
                CFG,
                atC.genesis(),
                List.of(
                        atC.entries().get(0),
                        new RingEntry(bEntry.token(), EVIL, bEntry.version() + 1, 0),
                        atC.entries().get(2)),
                Map.of(B, EVIL));
        assertThatThrownBy(() -> atC.mergeAsPeerChecked(forged, C, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.TOMBSTONE_WITHOUT_RECLAIM));
    }

    @Test
    void theGateHasTheLastWordOnAProvenTombstone() {
        Ring atC = base();
        Ring reclaimed = atC.reclaim(A, B);
        TombstoneGate noLease = t -> Optional.of("reclaim_lease_missing");
        assertThatThrownBy(() -> atC.mergeAsPeerChecked(reclaimed, C, noLease, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo("reclaim_lease_missing"))
                .satisfies(e -> assertThat(((RingAuthorityException) e).tombstone())
                        .hasValue(new Tombstone(dev.weft.id.PeerId.of(B), dev.weft.id.PeerId.of(A))));
    }

    @Test
    void nobodyChangesThisNodesEntriesWithoutAProvenReclaim() {
        Ring atB = base();
        RingEntry bEntry = atB.entries().get(1);
        // a version-jumped takeover of B's free range, but no tombstone
        Ring forged = Ring.of(
                CFG,
                atB.genesis(),
                List.of(
                        atB.entries().get(0),
                        new RingEntry(bEntry.token(), EVIL, bEntry.version() + Ring.RECLAIM_VERSION_JUMP, 0),
                        atB.entries().get(2)),
                Map.of());
        assertThatThrownBy(() -> atB.mergeAsPeerChecked(forged, B, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.OWN_ENTRY_CHANGED));
        // a new token carved out of B's range
        Ring carved = atB.merge(Ring.of(
                        CFG,
                        atB.genesis(),
                        List.of(
                                atB.entries().get(0),
                                new RingEntry(bEntry.token(), B, bEntry.version(), 0),
                                new RingEntry(ip("10.42.0.0"), EVIL, 1, 0),
                                atB.entries().get(2)),
                        Map.of()))
                .ring();
        assertThatThrownBy(() -> atB.mergeAsPeerChecked(carved, B, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.OWN_ENTRY_CHANGED));
        // other nodes cannot tell who wrote a relayed full state: only the owner's own check applies
        assertThat(atB.mergeAsPeerChecked(forged, C, TombstoneGate.ADMIT_ALL, r -> false)
                        .changed())
                .isTrue();
    }

    @Test
    void aDeltaChangesOnlyItsSendersEntries() {
        Ring atC = base();
        // A donates part of its own range to C: a delta from A is fine
        Ring afterDonation = atC.donate(A, IpRange.of(ip("10.32.0.0"), ip("10.33.0.0")), C, r -> r.sizeLong());
        RingDelta donation = RingDelta.from(afterDonation, Set.of(ip("10.32.0.0"), ip("10.33.0.0")), Set.of());
        assertThat(atC.mergeAsPeerChecked(donation, C, A, TombstoneGate.ADMIT_ALL, r -> false)
                        .changed())
                .isTrue();
        // the same delta claimed to come from EVIL changes A's entry: refused
        assertThatThrownBy(() -> atC.mergeAsPeerChecked(donation, C, EVIL, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.FOREIGN_ENTRY_CHANGED));
        // EVIL giving B's range to itself in a delta is refused at a third node
        RingEntry bEntry = atC.entries().get(1);
        RingDelta steal = RingDelta.of(
                CFG, atC.genesis(), List.of(new RingEntry(bEntry.token(), EVIL, bEntry.version() + 1, 0)), Map.of());
        assertThatThrownBy(() -> atC.mergeAsPeerChecked(steal, C, EVIL, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.FOREIGN_ENTRY_CHANGED));
    }

    @Test
    void aDeltaWithANewTombstoneMustComeFromTheReclaimer() {
        Ring atC = base();
        Ring reclaimed = atC.reclaim(A, B);
        RingDelta d = RingDelta.from(reclaimed, Set.of(ip("10.40.0.0")), Set.of(B));
        assertThat(atC.mergeAsPeerChecked(d, C, A, TombstoneGate.ADMIT_ALL, r -> false)
                        .ring()
                        .isRemoved(B))
                .isTrue();
        assertThatThrownBy(() -> atC.mergeAsPeerChecked(d, C, EVIL, TombstoneGate.ADMIT_ALL, r -> false))
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(RingAuthorityException.TOMBSTONE_NOT_FROM_RECLAIMER));
    }

    @Test
    void aForeignRingIsStillAMismatchNotAnAuthorityError() {
        Ring other = Ring.createdBy(CFG, A, "another-uid");
        assertThatThrownBy(() -> base().mergeAsPeerChecked(other, B, TombstoneGate.ADMIT_ALL, r -> false))
                .isInstanceOf(RingMismatchException.class);
    }
}
