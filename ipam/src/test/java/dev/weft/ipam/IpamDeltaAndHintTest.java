package dev.weft.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingConflictException;
import dev.weft.ipam.ring.RingDecodeException;
import dev.weft.ipam.ring.RingDelta;
import dev.weft.ipam.ring.RingDeltaCodec;
import dev.weft.ipam.ring.RingGenesis;
import dev.weft.ipam.ring.RingMismatchException;
import dev.weft.ipam.store.InMemoryIpamStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deltas out of and into an {@link IpamNode}, pod churn that stays local, and free hints. */
class IpamDeltaAndHintTest {
    static final IpamConfig CFG = IpamConfig.of(Cidr.parse("10.32.0.0/16"), 64);
    static final PeerId A = PeerId.of(0xa1);
    static final PeerId B = PeerId.of(0xb1);
    static final PeerId C = PeerId.of(0xc1);

    static IpamNode node(PeerId id, String name) throws IOException {
        return IpamNode.open(CFG, new InMemoryIpamStore(), id, name);
    }

    /** Takes {@code from}'s delta (it must have one) and applies it to every other node. */
    static byte[] deliver(IpamNode from, IpamNode... to) throws IOException {
        byte[] d = from.takeOutgoingDelta().orElseThrow();
        for (IpamNode n : to) {
            n.applyRemoteDelta(d);
        }
        return d;
    }

    @Test
    void everyLocalRingChangeYieldsASmallDeltaAndDeltasAloneKeepPeersInStep() throws IOException {
        IpamNode a = node(A, "a");
        IpamNode b = node(B, "b");
        IpamNode c = node(C, "c");
        assertThat(a.hasOutgoingDelta()).isFalse();
        a.bootstrapAsCreator("t");
        assertThat(a.hasOutgoingDelta()).isTrue();
        // b and c join through one full ring, then only deltas travel
        b.expectGenesis(RingGenesis.creator(A, "t"));
        b.applyRemoteRing(a.localRingBytes().orElseThrow());
        c.applyRemoteRing(a.localRingBytes().orElseThrow());
        a.takeOutgoingDelta();

        // donation: the donor and the requester each publish a delta
        SpaceRequest req = b.spaceRequestIfNeeded(0).orElseThrow();
        SpaceGrant grant = a.handleSpaceRequest(req);
        byte[] donorDelta = deliver(a, c);
        assertThat(RingDeltaCodec.decode(donorDelta).entries()).hasSizeLessThanOrEqualTo(3);
        assertThat(b.handleSpaceGrant(grant)).isInstanceOf(GrantResult.Granted.class);
        byte[] requesterDelta = deliver(b, c);
        // the requester publishes what it gained (and the entry after it); c knew it from the donor already
        RingDelta gained = RingDeltaCodec.decode(requesterDelta);
        assertThat(gained.entries()).hasSizeLessThanOrEqualTo(2);
        assertThat(gained.entries().get(0).owner()).isEqualTo(B.value());
        assertThat(c.ring()).isEqualTo(a.ring());
        assertThat(c.ring()).isEqualTo(b.ring());
        assertThat(c.cidrsByOwner()).containsOnlyKeys(A, B);

        // reclaim: the reclaimer's delta removes b everywhere and tells b
        RingUpdate seen;
        a.reclaim(B);
        byte[] reclaimDelta = a.takeOutgoingDelta().orElseThrow();
        assertThat(RingDeltaCodec.decode(reclaimDelta).tombstones()).containsEntry(B.value(), A.value());
        assertThat(c.applyRemoteDelta(reclaimDelta).changed()).isTrue();
        seen = b.applyRemoteDelta(reclaimDelta);
        assertThat(seen.selfRemoved()).isTrue();
        assertThat(c.ring()).isEqualTo(a.ring());
        assertThat(c.applyRemoteDelta(reclaimDelta).changed()).isFalse(); // duplicates are harmless
        assertThat(c.counters().deltasApplied()).isEqualTo(2); // the donor's and the reclaimer's
        assertThat(c.counters().deltasUnchanged()).isEqualTo(2); // the requester's and the duplicate
        assertThat(a.counters().deltasPublished()).isEqualTo(3);
    }

    @Test
    void aClaimYieldsADeltaAndAReclaimFollowUpAfterAMergeToo() throws IOException {
        IpamNode a = node(A, "a");
        IpamNode b = node(B, "b");
        a.bootstrapFromSeeds(List.of("a", "b"));
        b.bootstrapFromSeeds(List.of("a", "b"));
        assertThat(a.hasOutgoingDelta()).isFalse(); // every node computes the seed ring itself
        a.claimSeedShare();
        byte[] aClaim = deliver(a);
        b.applyRemoteDelta(aClaim);
        b.claimSeedShare();
        byte[] bClaim = b.takeOutgoingDelta().orElseThrow();
        // b had split its share before dying; a reclaims b knowing only b's claim, then the split arrives
        Ring bView = b.ring().orElseThrow();
        a.applyRemoteDelta(bClaim);
        a.reclaim(B);
        byte[] aReclaim = a.takeOutgoingDelta().orElseThrow();
        // b gave [.160, .192) of its share to c just before dying, which also created b's rest entry
        // at .192; a hears of it only now
        IpRange piece = IpRange.of(IpAddress.parse("10.32.160.0"), IpAddress.parse("10.32.192.0"));
        Ring split = bView.donate(B.value(), piece, C.value(), r -> r.sizeLong());
        RingDelta late = RingDelta.from(
                split,
                Set.of(IpAddress.parse("10.32.128.0"), IpAddress.parse("10.32.160.0"), IpAddress.parse("10.32.192.0")),
                Set.of());
        RingUpdate u = a.applyRemoteDelta(RingDeltaCodec.encode(late));
        Ring at = a.ring().orElseThrow();
        assertThat(u.lost()).containsExactly(piece); // c's piece, which a never had pods in
        assertThat(at.ownerOf(IpAddress.parse("10.32.170.0"))).hasValue(C.value());
        // b's rest entry was re-reclaimed at once, and that follow-up is a delta of a's
        assertThat(at.owners()).doesNotContain(B.value());
        assertThat(at.ownerOf(IpAddress.parse("10.32.200.0"))).hasValue(A.value());
        RingDelta followUp = RingDeltaCodec.decode(a.takeOutgoingDelta().orElseThrow());
        assertThat(followUp.entries()).anySatisfy(e -> {
            assertThat(e.token()).isEqualTo(IpAddress.parse("10.32.192.0"));
            assertThat(e.owner()).isEqualTo(A.value());
            assertThat(e.version()).isGreaterThan(Ring.RECLAIM_VERSION_JUMP);
        });
        // a third peer that hears the late split and a's follow-up (in either order) agrees with a
        IpamNode c1 = node(C, "c");
        IpamNode c2 = node(PeerId.of(0xc2), "c2");
        for (IpamNode c : List.of(c1, c2)) {
            c.bootstrapFromSeeds(List.of("a", "b"));
            c.applyRemoteDelta(bClaim);
            c.applyRemoteDelta(aReclaim);
            c.applyRemoteDelta(aClaim);
        }
        c1.applyRemoteDelta(RingDeltaCodec.encode(late));
        c1.applyRemoteDelta(RingDeltaCodec.encode(followUp));
        c2.applyRemoteDelta(RingDeltaCodec.encode(followUp));
        c2.applyRemoteDelta(RingDeltaCodec.encode(late));
        assertThat(c1.ring()).contains(at);
        assertThat(c2.ring()).contains(at);
    }

    @Test
    void podChurnLeavesTheRingAndItsBytesAlone() throws IOException {
        InMemoryIpamStore store = new InMemoryIpamStore();
        IpamNode a = IpamNode.open(CFG, store, A, "a");
        a.bootstrapAsCreator("t");
        a.takeOutgoingDelta();
        Ring ring = a.ring().orElseThrow();
        byte[] bytes = a.localRingBytes().orElseThrow();
        int saves = store.saves();
        for (int i = 0; i < 50; i++) {
            a.allocate("p" + i, "eth0", 0);
        }
        for (int i = 0; i < 20; i++) {
            a.release("p" + i, "eth0");
        }
        a.gc(List.of(new AttachmentKey("p30", "eth0")));
        assertThat(store.saves()).isEqualTo(saves + 71); // every answer is still persisted
        assertThat(a.ring()).containsSame(ring);
        assertThat(a.localRingBytes().orElseThrow()).isEqualTo(bytes);
        assertThat(a.hasOutgoingDelta()).isFalse();
        assertThat(a.localFree()).isEqualTo((1 << 16) - 1 - 1 - 1 - 1); // .0, .255.255, gateway, p30
        // the returned bytes are a copy
        a.localRingBytes().orElseThrow()[0] = 42;
        assertThat(a.localRingBytes().orElseThrow()).isEqualTo(bytes);
    }

    @Test
    void remoteDeltasHaveTheSameChecksAndOutcomesAsRings() throws IOException {
        IpamNode a = node(A, "a");
        IpamNode b = node(B, "b");
        a.bootstrapAsCreator("t");
        a.takeOutgoingDelta();
        b.applyRemoteRing(a.localRingBytes().orElseThrow());
        // no ring yet: ignored and counted (a foreign one is still refused)
        IpamNode fresh = node(C, "c");
        fresh.expectGenesis(RingGenesis.creator(A, "t"));
        Ring ring = a.ring().orElseThrow();
        byte[] whole = RingDeltaCodec.encode(ring.asDelta());
        assertThat(fresh.applyRemoteDelta(whole).changed()).isFalse();
        assertThat(fresh.counters().deltasWithoutRing()).isEqualTo(1);
        assertThat(fresh.ring()).isEmpty();
        IpamNode other = node(PeerId.of(0x99), "x");
        other.bootstrapAsCreator("other");
        byte[] foreign = other.takeOutgoingDelta().orElseThrow();
        assertThatThrownBy(() -> fresh.applyRemoteDelta(foreign)).isInstanceOf(RingMismatchException.class);
        assertThatThrownBy(() -> b.applyRemoteDelta(foreign)).isInstanceOf(RingMismatchException.class);
        assertThat(b.counters().ringMismatches()).isEqualTo(1);
        assertThatThrownBy(() -> b.applyRemoteDelta(new byte[] {1, 2, 3})).isInstanceOf(RingDecodeException.class);
        assertThat(b.counters().ringInvalid()).isEqualTo(1);

        // gained: a donates to b, b learns it from the donor's delta alone (before the grant)
        SpaceGrant grant = a.handleSpaceRequest(b.spaceRequestIfNeeded(0).orElseThrow());
        RingUpdate u = b.applyRemoteDelta(a.takeOutgoingDelta().orElseThrow());
        assertThat(u.changed()).isTrue();
        assertThat(u.gained()).containsExactlyElementsOf(SpaceMessages.grantedRanges(grant));
        IpAddress p = ((AllocationResult.Allocated) b.allocate("p", "eth0", 0)).address();

        // conflict: a forged delta at an existing version with another owner
        Ring now = b.ring().orElseThrow();
        Ring.Segment bSeg = now.segments().stream()
                .filter(x -> x.entry().owner() == B.value())
                .findFirst()
                .orElseThrow();
        RingDelta forged = RingDelta.of(
                now.config(),
                now.genesis(),
                List.of(new dev.weft.ipam.ring.RingEntry(
                        bSeg.entry().token(), C.value(), bSeg.entry().version(), 0)),
                Map.of());
        assertThatThrownBy(() -> b.applyRemoteDelta(RingDeltaCodec.encode(forged)))
                .isInstanceOf(RingConflictException.class);
        assertThat(b.counters().ringConflicts()).isEqualTo(1);
        // refused: a newer version that gives b's range (with a pod in it) to c; nobody but b changes b's entries
        RingDelta takeover = RingDelta.of(
                now.config(),
                now.genesis(),
                List.of(new dev.weft.ipam.ring.RingEntry(
                        bSeg.entry().token(), C.value(), bSeg.entry().version() + 1, 0)),
                Map.of());
        assertThatThrownBy(() -> b.applyRemoteDelta(RingDeltaCodec.encode(takeover)))
                .isInstanceOfSatisfying(
                        dev.weft.ipam.ring.RingAuthorityException.class,
                        e -> assertThat(e.reason()).isEqualTo("own_entry_changed"));
        assertThat(b.ring()).contains(now);
        assertThat(b.lookup("p", "eth0")).hasValue(p);
        // lost: once the pod is gone the same delta applies and says what was lost
        b.release("p", "eth0");
        RingUpdate lost = a.applyRemoteDelta(RingDeltaCodec.encode(takeover));
        assertThat(lost.changed()).isTrue();
    }

    @Test
    void aDeltaNeverOpensTheSyncGate() throws IOException {
        InMemoryIpamStore store = new InMemoryIpamStore();
        IpamNode a = IpamNode.open(CFG, store, A, "a");
        a.bootstrapAsCreator("t");
        IpamNode b = node(B, "b");
        b.applyRemoteRing(a.localRingBytes().orElseThrow());
        a.handleSpaceRequest(b.spaceRequestIfNeeded(0).orElseThrow());
        byte[] d = a.takeOutgoingDelta().orElseThrow();
        IpamNode restarted = IpamNode.open(CFG, store, A, "a");
        assertThat(restarted.isSynced()).isFalse();
        restarted.applyRemoteDelta(d);
        assertThat(restarted.isSynced()).isFalse();
        restarted.applyRemoteRing(a.localRingBytes().orElseThrow());
        assertThat(restarted.isSynced()).isTrue();
    }

    @Test
    void donorChoiceUsesFreeHintsFallsBackToTheRingAndMovesOnAfterARefusal() throws IOException {
        IpamConfig small = IpamConfig.of(Cidr.parse("10.32.0.0/24"), 16)
                .withLowFreeWatermark(4)
                .withSpaceRequestRetryMillis(100);
        IpamNode a = IpamNode.open(small, new InMemoryIpamStore(), A, "a");
        IpamNode b = IpamNode.open(small, new InMemoryIpamStore(), B, "b");
        IpamNode c = IpamNode.open(small, new InMemoryIpamStore(), C, "c");
        a.bootstrapFromSeeds(List.of("a", "b"));
        b.bootstrapFromSeeds(List.of("a", "b"));
        a.claimSeedShare();
        b.applyRemoteDelta(deliver(a));
        b.claimSeedShare();
        a.applyRemoteDelta(deliver(b));
        c.applyRemoteRing(a.localRingBytes().orElseThrow());
        // the ring says a and b have the same (full) free counts; the lower id wins the tie
        assertThat(SpaceMessages.donor(c.spaceRequestIfNeeded(0).orElseThrow())).isEqualTo(A);
        // a has filled up: its record says so, the ring does not
        for (int i = 0; i < 120; i++) {
            a.allocate("p" + i, "eth0", 0);
        }
        assertThat(a.ring().orElseThrow().freeByOwner().get(A.value())).isEqualTo(128);
        SpaceRequest toB = c.spaceRequestIfNeeded(200, Map.of(A, a.localFree(), B, b.localFree()))
                .orElseThrow();
        assertThat(SpaceMessages.donor(toB)).isEqualTo(B);
        assertThat(c.status().owners())
                .filteredOn(o -> o.peer().equals(A))
                .singleElement()
                .satisfies(o -> assertThat(o.free()).isEqualTo(a.localFree()));
        // a stale hint sends the request to a, which checks its real free space and refuses
        c.setFreeHints(Map.of(A, 128L, B, 100L));
        SpaceRequest toA = c.spaceRequestIfNeeded(400).orElseThrow();
        assertThat(SpaceMessages.donor(toA)).isEqualTo(A);
        SpaceGrant refused = a.handleSpaceRequest(toA);
        assertThat(refused.getRefusal()).contains("no free aligned block");
        assertThat(c.handleSpaceGrant(refused)).isInstanceOf(GrantResult.Refused.class);
        // the next request skips the peer that just refused
        SpaceRequest next = c.spaceRequestIfNeeded(600).orElseThrow();
        assertThat(SpaceMessages.donor(next)).isEqualTo(B);
        assertThat(c.handleSpaceGrant(b.handleSpaceRequest(next))).isInstanceOf(GrantResult.Granted.class);
        assertThat(c.status().pendingSpaceRequest()).isEmpty();
    }

    @Test
    void aPeerBelievedDeadIsNeverChosenWhateverItsHint() throws IOException {
        IpamNode a = node(A, "a");
        IpamNode b = node(B, "b");
        IpamNode c = node(C, "c");
        a.bootstrapAsCreator("t");
        b.applyRemoteRing(a.localRingBytes().orElseThrow());
        b.handleSpaceGrant(a.handleSpaceRequest(b.spaceRequestIfNeeded(0).orElseThrow()));
        c.applyRemoteRing(b.localRingBytes().orElseThrow());
        c.setFreeHints(Map.of(A, 10L, B, 5000L));
        assertThat(SpaceMessages.donor(c.spaceRequestIfNeeded(0).orElseThrow())).isEqualTo(B);
        c.setLivenessView(p -> !p.equals(B));
        assertThat(c.status().pendingSpaceRequest()).contains(B);
        c.setFreeHints(Map.of(A, 1000L, B, 5000L));
        assertThat(SpaceMessages.donor(c.spaceRequestIfNeeded(10_000).orElseThrow()))
                .isEqualTo(A);
    }
}
