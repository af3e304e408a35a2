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
import dev.weft.ipam.ring.RangeTakeoverRefusedException;
import dev.weft.ipam.ring.RingDecodeException;
import dev.weft.ipam.ring.RingGenesis;
import dev.weft.ipam.ring.RingMismatchException;
import dev.weft.ipam.store.FileIpamStore;
import dev.weft.ipam.store.InMemoryIpamStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpamNodeTest {
    static final IpamConfig CFG = IpamConfig.of(Cidr.parse("10.32.0.0/16"), 64);
    static final List<String> SEEDS = List.of("node-a", "node-b");

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static IpAddress allocated(AllocationResult r) {
        assertThat(r).isInstanceOf(AllocationResult.Allocated.class);
        return ((AllocationResult.Allocated) r).address();
    }

    static void exchange(IpamNode... nodes) throws IOException {
        boolean changed = true;
        int rounds = 0;
        while (changed) {
            changed = false;
            assertThat(rounds++).isLessThan(20);
            for (IpamNode from : nodes) {
                for (IpamNode to : nodes) {
                    if (from != to && from.localRingBytes().isPresent()) {
                        changed |=
                                to.applyRemoteRing(from.localRingBytes().get()).changed();
                    }
                }
            }
        }
    }

    @Test
    void seedNodesSplitTheRangeAllocateIdempotentlyAndReserveAGateway() throws IOException {
        IpamNode a = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa1), "node-a");
        IpamNode b = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xb1), "node-b");
        a.bootstrapFromSeeds(List.of("node-b", "node-a"));
        b.bootstrapFromSeeds(SEEDS);
        assertThat(a.ownedCidrs()).isEmpty(); // nothing is used before the claim
        assertThat(a.allocate("early", "eth0", 0)).isInstanceOf(AllocationResult.NoSpaceYet.class);
        exchange(a, b);
        assertThat(a.claimSeedShare())
                .containsExactly(Cidr.parse("10.32.0.0/17").toRange());
        assertThat(a.claimSeedShare()).isEmpty();
        b.claimSeedShare();
        exchange(a, b);
        assertThat(a.ring()).isEqualTo(b.ring());
        assertThat(a.takeOutgoingDelta()).isPresent(); // the claim
        assertThat(a.takeOutgoingDelta()).isEmpty();
        byte[] ringBefore = a.localRingBytes().orElseThrow();
        assertThat(a.ownedCidrs()).containsExactly(Cidr.parse("10.32.0.0/17"));
        assertThat(b.ownedCidrs()).containsExactly(Cidr.parse("10.32.128.0/17"));
        assertThat(a.cidrsByOwner()).containsOnlyKeys(PeerId.of(0xa1), PeerId.of(0xb1));
        assertThat(a.gateway()).hasValue(ip("10.32.0.1")); // .0 is the cluster network address
        assertThat(b.gateway()).hasValue(ip("10.32.128.0"));

        IpAddress x = allocated(a.allocate("c1", "eth0", 0));
        assertThat(x).isEqualTo(ip("10.32.0.2"));
        assertThat(a.allocate("c1", "eth0", 0)).isEqualTo(new AllocationResult.Allocated(x, false));
        assertThat(a.lookup("c1", "eth0")).hasValue(x);
        IpAddress y = allocated(a.allocate("c1", "net1", 0));
        assertThat(y).isNotEqualTo(x);
        assertThat(a.release("c1", "eth0")).isTrue();
        assertThat(a.release("c1", "eth0")).isFalse();
        assertThat(a.lookup("c1", "eth0")).isEmpty();
        // pod churn stays local: the free count is a hint in the node record, the ring does not change
        long aSize = 1 << 15;
        assertThat(a.localFree()).isEqualTo(aSize - 3); // .0, gateway, y
        assertThat(a.takeOutgoingDelta()).isEmpty();
        assertThat(a.localRingBytes().orElseThrow()).isEqualTo(ringBefore);
        assertThatThrownBy(() -> a.allocate("", "eth0", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJoiningPeerAsksTheRichestPeerAndGetsAtMostHalfOfItsFreeSpace() throws IOException {
        IpamNode a = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa1), "node-a");
        IpamNode b = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xb1), "node-b");
        IpamNode c = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xc1), "node-c");
        a.bootstrapFromSeeds(SEEDS);
        b.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        b.claimSeedShare();
        for (int i = 0; i < 100; i++) {
            allocated(a.allocate("pod" + i, "eth0", 0)); // a has less free than b now
        }
        exchange(a, b);
        c.applyRemoteRing(a.localRingBytes().orElseThrow()); // c joins and adopts the ring
        assertThat(c.ring()).isPresent();
        assertThat(c.ownedCidrs()).isEmpty();
        // asks as soon as it joins, not only at its first pod; the free counts come from node records
        SpaceRequest req = c.spaceRequestIfNeeded(1000, Map.of(a.self(), a.localFree(), b.self(), b.localFree()))
                .orElseThrow();
        assertThat(SpaceMessages.donor(req)).isEqualTo(PeerId.of(0xb1));
        assertThat(c.spaceRequestIfNeeded(1001)).isEmpty(); // paced
        AllocationResult none = c.allocate("p", "eth0", 1002);
        assertThat(none).isInstanceOf(AllocationResult.NoSpaceYet.class);
        assertThat(((AllocationResult.NoSpaceYet) none).reason()).contains("owns no addresses");

        long bFreeBefore = b.localFree();
        SpaceGrant grant = b.handleSpaceRequest(SpaceMessages.decodeRequest(SpaceMessages.encode(req)));
        assertThat(grant.getRefusal()).isEmpty();
        List<IpRange> granted = SpaceMessages.grantedRanges(grant);
        assertThat(granted).hasSize(1);
        long size = granted.get(0).sizeLong();
        assertThat(size).isLessThanOrEqualTo(bFreeBefore / 2).isGreaterThan(bFreeBefore / 4);
        assertThat(size % 64).isZero();
        assertThat(granted.get(0).start().isAligned(6)).isTrue();
        assertThat(b.localFree()).isEqualTo(bFreeBefore - size);

        GrantResult gr = c.handleSpaceGrant(SpaceMessages.decodeGrant(SpaceMessages.encode(grant)));
        assertThat(gr).isInstanceOf(GrantResult.Granted.class);
        assertThat(((GrantResult.Granted) gr).update().gained()).containsExactlyElementsOf(granted);
        IpAddress p = allocated(c.allocate("p", "eth0", 1003));
        assertThat(granted.get(0).contains(p)).isTrue();
        assertThat(c.gateway()).isPresent();
        assertThat(granted.get(0).contains(c.gateway().get())).isTrue();
        exchange(a, b, c);
        assertThat(a.ring()).isEqualTo(c.ring());
        assertThat(a.ring().orElseThrow().ownerOf(p)).hasValue(0xc1L);
        assertThat(c.status().pendingSpaceRequest()).isEmpty();
        assertThat(b.counters().spaceGrantsGiven()).isEqualTo(1);
    }

    @Test
    void exhaustionGivesNoSpaceYetWithARequestAndRefusalsAreReported() throws IOException {
        IpamConfig small = IpamConfig.of(Cidr.parse("10.32.0.0/24"), 16)
                .withLowFreeWatermark(4)
                .withSpaceRequestRetryMillis(100);
        IpamNode a = IpamNode.open(small, new InMemoryIpamStore(), PeerId.of(0xa1), "a");
        IpamNode b = IpamNode.open(small, new InMemoryIpamStore(), PeerId.of(0xb1), "b");
        a.bootstrapFromSeeds(List.of("a", "b"));
        b.bootstrapFromSeeds(List.of("a", "b"));
        a.claimSeedShare();
        b.claimSeedShare();
        exchange(a, b);
        // a owns 10.32.0.0/25: minus .0 and the gateway = 126 usable
        Set<IpAddress> seen = new HashSet<>();
        for (int i = 0; i < 126; i++) {
            assertThat(seen.add(allocated(a.allocate("p" + i, "eth0", 0)))).isTrue();
        }
        exchange(a, b);
        AllocationResult r = a.allocate("p-last", "eth0", 10);
        assertThat(r).isInstanceOf(AllocationResult.NoSpaceYet.class);
        SpaceRequest req = ((AllocationResult.NoSpaceYet) r).request().orElseThrow();
        assertThat(SpaceMessages.donor(req)).isEqualTo(PeerId.of(0xb1));
        assertThat(a.counters().noSpace()).isEqualTo(1);
        // b fills up too, then refuses
        for (int i = 0; i < 120; i++) {
            allocated(b.allocate("q" + i, "eth0", 0));
        }
        SpaceGrant refused = b.handleSpaceRequest(req);
        assertThat(refused.getRefusal()).contains("no free aligned block");
        assertThat(a.handleSpaceGrant(refused)).isInstanceOf(GrantResult.Refused.class);
        assertThat(a.spaceRequestIfNeeded(50)).isEmpty(); // still within the retry interval
        assertThat(a.spaceRequestIfNeeded(200)).isPresent();
        // a request to the wrong donor / from a stranger ring is refused, not thrown
        assertThat(b.handleSpaceRequest(req.toBuilder().setDonor(0x99).build()).getRefusal())
                .contains("addressed to");
        assertThat(b.handleSpaceRequest(
                                req.toBuilder().setGenesis("seeds:other").build())
                        .getRefusal())
                .contains("ring");
        assertThatThrownBy(() -> SpaceMessages.decodeRequest(new byte[] {1, 2, 3}))
                .isInstanceOf(RingDecodeException.class);
    }

    @Test
    void afterARestartPodsKeepTheirAddressesAndNoAddressIsGivenTwice(@TempDir Path dir) throws IOException {
        IpamNode a = IpamNode.open(CFG, new FileIpamStore(dir), PeerId.of(0xa1), "node-a");
        a.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        Set<IpAddress> before = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            before.add(allocated(a.allocate("pod" + i, "eth0", 0)));
        }
        a.release("pod3", "eth0");
        IpAddress gw = a.gateway().orElseThrow();

        IpamNode again = IpamNode.open(CFG, new FileIpamStore(dir), PeerId.of(0xa1), "node-a");
        again.bootstrapFromSeeds(SEEDS); // the agent does this on every start: a no-op now
        assertThat(again.isSynced()).isFalse();
        assertThat(again.allocate("new", "eth0", 0)).isInstanceOf(AllocationResult.NoSpaceYet.class);
        assertThat(again.lookup("pod1", "eth0")).isPresent(); // existing pods keep answering
        again.markSynced(); // alone in the cluster (gossip found nobody)
        assertThat(again.ring()).isEqualTo(a.ring());
        assertThat(again.gateway()).hasValue(gw);
        for (int i = 0; i < 20; i++) {
            assertThat(again.lookup("pod" + i, "eth0")).isEqualTo(a.lookup("pod" + i, "eth0"));
        }
        Set<IpAddress> all = new HashSet<>(again.allocations().values());
        all.add(gw);
        for (int i = 20; i < 60; i++) {
            assertThat(all.add(allocated(again.allocate("pod" + i, "eth0", 0)))).isTrue();
            assertThat(all).doesNotContain(ip("10.32.0.0"));
        }
        // identity and configuration must match the state
        assertThatThrownBy(() -> IpamNode.open(CFG, new FileIpamStore(dir), PeerId.of(0xa2), "node-a"))
                .isInstanceOf(IpamStateMismatchException.class)
                .hasMessageContaining("00000000000000a1");
        assertThatThrownBy(() -> IpamNode.open(
                        IpamConfig.of(Cidr.parse("10.33.0.0/16"), 64),
                        new FileIpamStore(dir),
                        PeerId.of(0xa1),
                        "node-a"))
                .isInstanceOf(IpamStateMismatchException.class)
                .hasMessageContaining("10.33.0.0/16");
    }

    @Test
    void aFailedSaveLeavesNoTrace() throws IOException {
        InMemoryIpamStore store = new InMemoryIpamStore();
        IpamNode a = IpamNode.open(CFG, store, PeerId.of(0xa1), "node-a");
        a.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        byte[] ringBefore = a.localRingBytes().orElseThrow();
        store.failNextSave(new IOException("disk full"));
        assertThatThrownBy(() -> a.allocate("c", "eth0", 0))
                .isInstanceOf(IOException.class)
                .hasMessage("disk full");
        assertThat(a.lookup("c", "eth0")).isEmpty();
        assertThat(a.localRingBytes().orElseThrow()).isEqualTo(ringBefore);
        IpAddress x = allocated(a.allocate("c", "eth0", 0));
        assertThat(IpamNode.open(CFG, store, PeerId.of(0xa1), "node-a").lookup("c", "eth0"))
                .hasValue(x);
    }

    @Test
    void gcReleasesEverythingNotInTheValidList() throws IOException {
        IpamNode a = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa1), "node-a");
        a.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        IpAddress keep = allocated(a.allocate("keep", "eth0", 0));
        IpAddress gone1 = allocated(a.allocate("gone", "eth0", 0));
        IpAddress gone2 = allocated(a.allocate("gone", "net1", 0));
        GcResult r = a.gc(List.of(new AttachmentKey("keep", "eth0"), new AttachmentKey("never", "eth0")));
        assertThat(r.released())
                .containsOnly(
                        java.util.Map.entry(new AttachmentKey("gone", "eth0"), gone1),
                        java.util.Map.entry(new AttachmentKey("gone", "net1"), gone2));
        assertThat(a.allocations()).containsOnly(java.util.Map.entry(new AttachmentKey("keep", "eth0"), keep));
        assertThat(a.gc(List.of(new AttachmentKey("keep", "eth0"))).released()).isEmpty();
    }

    @Test
    void reclaimTakesAGonePeersRangesAndTheRemovedPeerStartsOver() throws IOException {
        InMemoryIpamStore bStore = new InMemoryIpamStore();
        IpamNode a = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa1), "node-a");
        IpamNode b = IpamNode.open(CFG, bStore, PeerId.of(0xb1), "node-b");
        a.bootstrapFromSeeds(SEEDS);
        b.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        b.claimSeedShare();
        exchange(a, b);
        ReclaimResult rr = a.reclaim(PeerId.of(0xb1));
        assertThat(rr.taken()).containsExactly(Cidr.parse("10.32.128.0/17").toRange());
        assertThat(a.ownedCidrs()).containsExactly(Cidr.parse("10.32.0.0/16"));
        assertThat(a.status().owners()).extracting(IpamStatus.OwnerStatus::peer).containsExactly(PeerId.of(0xa1));

        // b comes back (it was only partitioned) with no pods: it learns it was removed
        RingUpdate u = b.applyRemoteRing(a.localRingBytes().orElseThrow());
        assertThat(u.selfRemoved()).isTrue();
        assertThat(b.isRemoved()).isTrue();
        assertThat(b.allocate("p", "eth0", 0)).isInstanceOf(AllocationResult.NoSpaceYet.class);
        b.discardState();
        assertThat(bStore.load()).isEmpty();
        assertThatThrownBy(() -> b.allocate("p", "eth0", 0)).isInstanceOf(IllegalStateException.class);
        IpamNode b2 = IpamNode.open(CFG, bStore, PeerId.of(0xb2), "node-b");
        b2.bootstrapFromSeeds(SEEDS);
        b2.applyRemoteRing(a.localRingBytes().orElseThrow());
        assertThat(b2.isRemoved()).isFalse();
        assertThat(b2.claimSeedShare()).isEmpty(); // its old share was reclaimed: nothing to claim
        SpaceRequest req = b2.spaceRequestIfNeeded(0).orElseThrow();
        assertThat(SpaceMessages.donor(req)).isEqualTo(PeerId.of(0xa1));
        assertThat(b2.handleSpaceGrant(a.handleSpaceRequest(req))).isInstanceOf(GrantResult.Granted.class);
        allocated(b2.allocate("p", "eth0", 0));
    }

    @Test
    void aRemovedPeerWithPodsRefusesTheTakeoverAndSaysWhy() throws IOException {
        IpamNode a = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa1), "node-a");
        IpamNode b = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xb1), "node-b");
        a.bootstrapFromSeeds(SEEDS);
        b.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        b.claimSeedShare();
        exchange(a, b);
        IpAddress inUse = allocated(b.allocate("p", "eth0", 0));
        a.reclaim(PeerId.of(0xb1));
        assertThatThrownBy(() -> b.applyRemoteRing(a.localRingBytes().orElseThrow()))
                .isInstanceOf(RangeTakeoverRefusedException.class)
                .hasMessageContaining("rmpeer");
        assertThat(b.lookup("p", "eth0")).hasValue(inUse);
        assertThat(b.ownedCidrs()).containsExactly(Cidr.parse("10.32.128.0/17"));
        assertThat(b.counters().ringsRefusedTakeover()).isEqualTo(1);
    }

    @Test
    void creatorModeAndForeignRings() throws IOException {
        IpamNode x = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0x11), "x");
        IpamNode y = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0x22), "y");
        IpamNode z = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0x33), "z");
        x.bootstrapAsCreator("2026-11-25T16:00:00Z");
        x.bootstrapAsCreator("2026-11-25T16:00:00Z"); // idempotent
        assertThat(x.ownedCidrs()).containsExactly(Cidr.parse("10.32.0.0/16"));
        y.expectGenesis(RingGenesis.creator(PeerId.of(0x11), "2026-11-25T16:00:00Z"));
        assertThat(y.applyRemoteRing(x.localRingBytes().orElseThrow()).changed())
                .isTrue();
        z.expectGenesis(RingGenesis.creator(PeerId.of(0x99), "other"));
        assertThatThrownBy(() -> z.applyRemoteRing(x.localRingBytes().orElseThrow()))
                .isInstanceOf(RingMismatchException.class)
                .hasMessageContaining("creator:0000000000000099:other")
                .hasMessageContaining("creator:0000000000000011");
        assertThat(z.ring()).isEmpty();
        // a seeded node meeting the creator's ring
        IpamNode s = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0x44), "node-a");
        s.bootstrapFromSeeds(SEEDS);
        assertThatThrownBy(() -> s.applyRemoteRing(x.localRingBytes().orElseThrow()))
                .isInstanceOf(RingMismatchException.class);
        assertThat(s.counters().ringMismatches()).isEqualTo(1);
        assertThatThrownBy(() -> s.applyRemoteRing(new byte[] {9, 9, 9})).isInstanceOf(RingDecodeException.class);
        assertThat(s.counters().ringInvalid()).isEqualTo(1);
        // a different cluster range is refused too
        IpamNode other = IpamNode.open(
                IpamConfig.of(Cidr.parse("10.48.0.0/16"), 64), new InMemoryIpamStore(), PeerId.of(0x55), "q");
        other.bootstrapAsCreator("t");
        assertThatThrownBy(() -> y.applyRemoteRing(other.localRingBytes().orElseThrow()))
                .isInstanceOf(RingMismatchException.class)
                .hasMessageContaining("10.48.0.0/16")
                .hasMessageContaining("10.32.0.0/16");
    }

    @Test
    void statusSnapshotDescribesOwnersAndAllocations() throws IOException {
        IpamNode a = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa1), "node-a");
        a.bootstrapFromSeeds(SEEDS);
        a.claimSeedShare();
        IpAddress p = allocated(a.allocate("p", "eth0", 0));
        IpamStatus s = a.status();
        assertThat(s.ringExists()).isTrue();
        assertThat(s.genesis()).hasValueSatisfying(g -> assertThat(g).startsWith("seeds:"));
        assertThat(s.localSize()).isEqualTo(1 << 15);
        assertThat(s.localFree()).isEqualTo((1 << 15) - 3);
        assertThat(s.allocations()).containsEntry(new AttachmentKey("p", "eth0"), p);
        IpamStatus.OwnerStatus mine = s.owners().stream()
                .filter(IpamStatus.OwnerStatus::self)
                .findFirst()
                .orElseThrow();
        assertThat(mine.cidrs()).containsExactly(Cidr.parse("10.32.0.0/17"));
        assertThat(mine.free()).isEqualTo((1 << 15) - 3);
        // the other seed has not claimed its share yet: its placeholder owns it
        assertThat(s.owners()).hasSize(2);
        assertThat(s.counters().allocations()).isEqualTo(1);
        IpamStatus empty = IpamNode.open(CFG, new InMemoryIpamStore(), PeerId.of(0xa9), "n")
                .status();
        assertThat(empty.ringExists()).isFalse();
        assertThat(empty.owners()).isEmpty();
    }

    @Test
    void ipv6ClusterRangeWorksEndToEnd() throws IOException {
        IpamConfig v6 = IpamConfig.of(Cidr.parse("fd00:32::/48"), 64);
        IpamNode a = IpamNode.open(v6, new InMemoryIpamStore(), PeerId.of(0xa1), "a");
        IpamNode b = IpamNode.open(v6, new InMemoryIpamStore(), PeerId.of(0xb1), "b");
        a.bootstrapAsCreator("t");
        b.expectGenesis(RingGenesis.creator(PeerId.of(0xa1), "t"));
        b.applyRemoteRing(a.localRingBytes().orElseThrow());
        IpAddress p = allocated(a.allocate("p", "eth0", 0));
        assertThat(p).isEqualTo(ip("fd00:32::2")); // ::0 excluded, ::1 gateway
        SpaceRequest req = b.spaceRequestIfNeeded(0).orElseThrow();
        GrantResult g = b.handleSpaceGrant(a.handleSpaceRequest(req));
        assertThat(g).isInstanceOf(GrantResult.Granted.class);
        IpRange granted = ((GrantResult.Granted) g).granted().get(0);
        assertThat(granted.start().isIpv6()).isTrue();
        IpAddress q = allocated(b.allocate("q", "eth0", 0));
        assertThat(granted.contains(q)).isTrue();
        exchange(a, b);
        assertThat(a.ring()).isEqualTo(b.ring());
        assertThat(a.ring().orElseThrow().ownerOf(q)).hasValue(0xb1L);
        assertThat(b.ownedCidrs()).allSatisfy(c -> assertThat(c.isIpv4()).isFalse());
    }
}
