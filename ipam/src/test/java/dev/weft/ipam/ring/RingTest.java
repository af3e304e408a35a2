package dev.weft.ipam.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.RingEntryMsg;
import dev.weft.ipam.proto.RingMsg;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RingTest {
    static final RingConfig CFG = new RingConfig(Cidr.parse("10.32.0.0/12"), 64);
    static final long A = 0xaaL;
    static final long B = 0xbbL;
    static final long C = 0xccL;

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static long allFree(IpRange r) {
        return r.sizeLong();
    }

    @Test
    void seedSplitIsDeterministicOrderIndependentAndCoversTheRange() {
        Ring r1 = Ring.fromSeeds(CFG, List.of("node-b", "node-a", "node-c", "node-a"));
        Ring r2 = Ring.fromSeeds(CFG, List.of("node-c", "node-b", "node-a"));
        assertThat(r1).isEqualTo(r2);
        assertThat(RingCodec.encode(r1)).isEqualTo(RingCodec.encode(r2));
        assertThat(r1.size()).isEqualTo(3);
        assertThat(r1.entries().get(0).token()).isEqualTo(ip("10.32.0.0"));
        // 16384 blocks / 3 = 5461, 5461, 5462 blocks
        assertThat(r1.sizeOf(0)).isEqualTo(5461L * 64);
        assertThat(r1.sizeOf(1)).isEqualTo(5461L * 64);
        assertThat(r1.sizeOf(2)).isEqualTo(5462L * 64);
        assertThat(r1.entries().get(0).owner()).isEqualTo(RingGenesis.seedPlaceholder("node-a"));
        assertThat(r1.genesis().id()).startsWith("seeds:").contains("node-a,node-b,node-c");
        assertThat(Ring.fromSeeds(CFG, List.of("x", "y")).genesis()).isNotEqualTo(r1.genesis());
    }

    @Test
    void moreSeedsThanBlocksLeavesSomeWithout() {
        RingConfig tiny = new RingConfig(Cidr.parse("10.0.0.0/30"), 2);
        Ring r = Ring.fromSeeds(tiny, List.of("a", "b", "c"));
        assertThat(r.size()).isEqualTo(2);
        assertThat(r.segments().stream().map(s -> s.range().size()).reduce(BigInteger.ZERO, BigInteger::add))
                .isEqualTo(BigInteger.valueOf(4));
    }

    @Test
    void claimSeedTransfersTheShareWithAVersionBump() {
        Ring r = Ring.fromSeeds(CFG, List.of("node-a", "node-b"));
        Ring claimed = r.claimSeed(A, "node-a");
        assertThat(claimed.entries().get(0).owner()).isEqualTo(A);
        assertThat(claimed.entries().get(0).version()).isEqualTo(2);
        assertThat(claimed.rangesOwnedBy(A)).containsExactly(IpRange.of(ip("10.32.0.0"), ip("10.40.0.0")));
        assertThat(claimed.cidrsOwnedBy(A)).containsExactly(Cidr.parse("10.32.0.0/13"));
        assertThat(claimed.claimSeed(A, "node-a")).isSameAs(claimed);
        assertThat(r.claimSeed(C, "not-a-seed")).isSameAs(r);
        // a newer claim wins over the initial ring in both merge orders
        assertThat(r.merge(claimed).ring()).isEqualTo(claimed);
        assertThat(claimed.merge(r).ring()).isEqualTo(claimed);
        assertThat(claimed.merge(r).changed()).isFalse();
        assertThat(r.merge(claimed).changed()).isTrue();
    }

    @Test
    void twoNodesClaimingTheSameSeedNameIsAReportedConflict() {
        Ring r = Ring.fromSeeds(CFG, List.of("node-a", "node-b"));
        Ring one = r.claimSeed(A, "node-a");
        Ring two = r.claimSeed(C, "node-a");
        assertThatThrownBy(() -> one.merge(two))
                .isInstanceOf(RingConflictException.class)
                .hasMessageContaining("10.32.0.0")
                .satisfies(
                        e -> assertThat(((RingConflictException) e).conflicts()).hasSize(1));
    }

    @Test
    void ringsOfDifferentOriginNeverMergeAndTheErrorNamesBoth() {
        Ring s1 = Ring.fromSeeds(CFG, List.of("node-a", "node-b"));
        Ring s2 = Ring.fromSeeds(CFG, List.of("node-a", "node-x"));
        assertThatThrownBy(() -> s1.merge(s2))
                .isInstanceOf(RingMismatchException.class)
                .hasMessageContaining(s1.genesis().id())
                .hasMessageContaining(s2.genesis().id());
        Ring other = Ring.fromSeeds(new RingConfig(Cidr.parse("10.48.0.0/12"), 64), List.of("node-a", "node-b"));
        assertThatThrownBy(() -> s1.merge(other))
                .isInstanceOf(RingMismatchException.class)
                .hasMessageContaining("10.32.0.0/12")
                .hasMessageContaining("10.48.0.0/12");
        Ring created = Ring.createdBy(CFG, A, "uid-1");
        assertThatThrownBy(() -> created.merge(Ring.createdBy(CFG, B, "uid-2")))
                .isInstanceOf(RingMismatchException.class);
    }

    @Test
    void donationSplitsAlignedAndKeepsTheRestWithTheDonor() {
        Ring r = Ring.createdBy(CFG, A, "uid");
        IpRange piece = IpRange.of(ip("10.40.0.0"), ip("10.44.0.0"));
        Ring d = r.donate(A, piece, B, RingTest::allFree);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.rangesOwnedBy(B)).containsExactly(piece);
        assertThat(d.cidrsOwnedBy(B)).containsExactly(Cidr.parse("10.40.0.0/14"));
        assertThat(d.rangesOwnedBy(A))
                .containsExactly(
                        IpRange.of(ip("10.32.0.0"), ip("10.40.0.0")), IpRange.of(ip("10.44.0.0"), ip("10.48.0.0")));
        assertThat(d.entries().get(0).version()).isEqualTo(2);
        assertThat(d.freeByOwner()).containsEntry(B, 1L << 18).containsEntry(A, (1L << 20) - (1L << 18));
        // piece at the start of the entry and to the end of the range
        Ring e = d.donate(B, IpRange.of(ip("10.40.0.0"), ip("10.40.1.0")), C, RingTest::allFree);
        assertThat(e.rangesOwnedBy(C)).containsExactly(IpRange.of(ip("10.40.0.0"), ip("10.40.1.0")));
        Ring f = e.donate(A, IpRange.inclusive(ip("10.47.255.192"), ip("10.47.255.255")), C, RingTest::allFree);
        assertThat(f.ownerOf(ip("10.47.255.255"))).hasValue(C);
        assertThat(f.ownerOf(ip("10.47.255.191"))).hasValue(A);
        assertThat(f.ownerOf(ip("10.48.0.0"))).isEmpty();
        // the whole ring still covers the range
        assertThat(f.segments().stream().map(s -> s.range().size()).reduce(BigInteger.ZERO, BigInteger::add))
                .isEqualTo(CFG.range().size());
    }

    @Test
    void donationRulesAreEnforced() {
        Ring r = Ring.createdBy(CFG, A, "uid");
        assertThatThrownBy(() -> r.donate(B, IpRange.of(ip("10.40.0.0"), ip("10.40.1.0")), C, RingTest::allFree))
                .isInstanceOf(RingOperationException.class)
                .hasMessageContaining("does not own");
        assertThatThrownBy(() -> r.donate(A, IpRange.of(ip("10.40.0.1"), ip("10.40.1.0")), C, RingTest::allFree))
                .isInstanceOf(RingOperationException.class)
                .hasMessageContaining("aligned");
        assertThatThrownBy(() -> r.donate(A, IpRange.of(ip("10.40.0.0"), ip("10.40.1.0")), C, x -> 0))
                .isInstanceOf(RingOperationException.class)
                .hasMessageContaining("allocated");
        assertThatThrownBy(() -> r.donate(A, IpRange.of(ip("10.40.0.0"), ip("10.40.1.0")), A, RingTest::allFree))
                .isInstanceOf(RingOperationException.class);
        assertThatThrownBy(() -> r.donate(A, IpRange.of(ip("10.47.255.0"), ip("10.48.1.0")), C, RingTest::allFree))
                .isInstanceOf(RingOperationException.class);
        assertThatThrownBy(() -> RingOperations.withFree(r, B, ip("10.32.0.0"), 5))
                .isInstanceOf(RingOperationException.class);
        assertThatThrownBy(() -> RingOperations.withFree(r, A, ip("10.32.0.0"), (1L << 20) + 1))
                .isInstanceOf(RingOperationException.class);
        assertThat(RingOperations.withFree(r, A, ip("10.32.0.0"), 7)
                        .entries()
                        .get(0)
                        .version())
                .isEqualTo(2);
    }

    @Test
    void reclaimJumpsTheVersionTombstonesAndTheRemovedPeerNotices() {
        Ring base = Ring.createdBy(CFG, A, "uid")
                .donate(A, IpRange.of(ip("10.40.0.0"), ip("10.44.0.0")), B, RingTest::allFree);
        Ring atB = RingOperations.withFree(base, B, ip("10.40.0.0"), 100); // B reports while alive
        Ring reclaimed = base.merge(atB).ring().reclaim(A, B);
        assertThat(reclaimed.isRemoved(B)).isTrue();
        assertThat(reclaimed.tombstoneOf(B))
                .hasValue(new Tombstone(dev.weft.id.PeerId.of(B), dev.weft.id.PeerId.of(A)));
        RingEntry e = reclaimed.entries().get(1);
        assertThat(e.owner()).isEqualTo(A);
        assertThat(e.version()).isGreaterThan(Ring.RECLAIM_VERSION_JUMP);
        assertThat(e.free()).isEqualTo(1L << 18);

        // B, still running with an old view and a few more updates, is overridden and told
        Ring bView =
                RingOperations.withFree(RingOperations.withFree(atB, B, ip("10.40.0.0"), 99), B, ip("10.40.0.0"), 98);
        Ring.PeerMergeResult m = bView.mergeAsPeer(reclaimed, B, r -> false);
        assertThat(m.selfRemoved()).isTrue();
        assertThat(m.lost()).containsExactly(IpRange.of(ip("10.40.0.0"), ip("10.44.0.0")));
        assertThat(m.ring().rangesOwnedBy(B)).isEmpty();
        assertThatThrownBy(() -> RingOperations.withFree(m.ring(), B, ip("10.40.0.0"), 1))
                .isInstanceOf(RingOperationException.class)
                .hasMessageContaining("new identity");
        // ... but if B still has addresses in use there, it refuses and says why
        assertThatThrownBy(() -> bView.mergeAsPeer(reclaimed, B, r -> r.contains(ip("10.40.0.9"))))
                .isInstanceOf(RangeTakeoverRefusedException.class)
                .satisfies(x -> assertThat(((RangeTakeoverRefusedException) x).selfRemoved())
                        .isTrue())
                .hasMessageContaining("10.40.0.0");
        // a second reclaimer is refused locally
        assertThatThrownBy(() -> reclaimed.reclaim(C, B))
                .isInstanceOf(RingOperationException.class)
                .hasMessageContaining("already reclaimed");
        assertThatThrownBy(() -> reclaimed.reclaim(A, A)).isInstanceOf(RingOperationException.class);
    }

    @Test
    void takeoverOfAnInUseRangeIsRefusedEvenWithoutTombstone() {
        Ring base = Ring.createdBy(CFG, A, "uid");
        // forge a ring where B took A's range with a higher version (a buggy or stale peer)
        Ring forged = Ring.of(CFG, base.genesis(), List.of(new RingEntry(ip("10.32.0.0"), B, 9, 5)), Map.of());
        assertThatThrownBy(() -> base.mergeAsPeer(forged, A, r -> true))
                .isInstanceOf(RangeTakeoverRefusedException.class)
                .satisfies(x -> assertThat(((RangeTakeoverRefusedException) x).newOwner())
                        .isEqualTo(dev.weft.id.PeerId.of(B)));
        Ring.PeerMergeResult ok = base.mergeAsPeer(forged, A, r -> false);
        assertThat(ok.selfRemoved()).isFalse();
        assertThat(ok.lost()).hasSize(1);
    }

    @Test
    void invariantsAreCheckedOnEveryRing() {
        RingGenesis g = RingGenesis.creator(dev.weft.id.PeerId.of(A), "x");
        assertThatThrownBy(() -> Ring.of(CFG, g, List.of(), Map.of())).isInstanceOf(RingInvariantException.class);
        assertThatThrownBy(() -> Ring.of(CFG, g, List.of(new RingEntry(ip("10.32.0.64"), A, 1, 0)), Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("first token");
        assertThatThrownBy(() -> Ring.of(
                        CFG,
                        g,
                        List.of(new RingEntry(ip("10.32.0.0"), A, 1, 0), new RingEntry(ip("10.32.0.65"), A, 1, 0)),
                        Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("aligned");
        assertThatThrownBy(() -> Ring.of(
                        CFG,
                        g,
                        List.of(new RingEntry(ip("10.32.0.0"), A, 1, 0), new RingEntry(ip("10.48.0.0"), A, 1, 0)),
                        Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> Ring.of(
                        CFG,
                        g,
                        List.of(
                                new RingEntry(ip("10.32.0.0"), A, 1, 0),
                                new RingEntry(ip("10.33.0.0"), A, 1, 0),
                                new RingEntry(ip("10.32.1.0"), A, 1, 0)),
                        Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("increasing");
        assertThatThrownBy(() -> Ring.of(
                        CFG,
                        g,
                        List.of(new RingEntry(ip("10.32.0.0"), A, 1, 65), new RingEntry(ip("10.32.0.64"), B, 1, 0)),
                        Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("free");
    }

    @Test
    void aTokenUnknownToAnEntrysOwnerShrinksItAndItsFreeCountIsClamped() {
        // A reclaimed B's entry without knowing the token B had just created at .64: after the union,
        // A's entry covers only [.0, .64) and its free count is clamped to 64 in both merge orders
        RingGenesis g = RingGenesis.creator(dev.weft.id.PeerId.of(A), "x");
        Ring r1 = Ring.of(CFG, g, List.of(new RingEntry(ip("10.32.0.0"), A, 3, 1000)), Map.of());
        Ring r2 = Ring.of(
                CFG,
                g,
                List.of(new RingEntry(ip("10.32.0.0"), B, 2, 10), new RingEntry(ip("10.32.0.64"), C, 1, 0)),
                Map.of());
        Ring m = r1.merge(r2).ring();
        assertThat(m).isEqualTo(r2.merge(r1).ring());
        assertThat(m.entries().get(0)).isEqualTo(new RingEntry(ip("10.32.0.0"), A, 3, 64));
        // a ring that is not clamped is invalid
        assertThatThrownBy(() -> Ring.of(
                        CFG,
                        g,
                        List.of(new RingEntry(ip("10.32.0.0"), A, 3, 1000), new RingEntry(ip("10.32.0.64"), C, 1, 0)),
                        Map.of()))
                .isInstanceOf(RingInvariantException.class);
    }

    @Test
    void equalVersionsWithDifferentFreeCountsJoinToTheLowerCount() {
        RingGenesis g = RingGenesis.creator(dev.weft.id.PeerId.of(A), "x");
        Ring r1 = Ring.of(CFG, g, List.of(new RingEntry(ip("10.32.0.0"), A, 3, 100)), Map.of());
        Ring r2 = Ring.of(CFG, g, List.of(new RingEntry(ip("10.32.0.0"), A, 3, 90)), Map.of());
        assertThat(r1.merge(r2).ring()).isEqualTo(r2);
        assertThat(r1.merge(r2).changed()).isTrue();
        assertThat(r2.merge(r1).changed()).isFalse();
    }

    @Test
    void codecRoundTripsAndMatchesGoldenBytes() {
        Ring r = Ring.createdBy(new RingConfig(Cidr.parse("10.32.0.0/24"), 64), 0x0102030405060708L, "t")
                .donate(0x0102030405060708L, IpRange.of(ip("10.32.0.128"), ip("10.32.0.192")), 9, RingTest::allFree)
                .reclaim(0x0102030405060708L, 9);
        byte[] bytes = RingCodec.encode(r);
        assertThat(RingCodec.decode(bytes)).isEqualTo(r);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(GOLDEN);
    }

    // format_version=1, range 10.32.0.0/24, min_block 64, genesis, 3 entries
    // (10.32.0.0 v2 free 128; 10.32.0.128 v2^32+1 free 64; 10.32.0.192 v1 free 64), tombstone 9->owner
    static final String GOLDEN = "080112040a200000181820402a1a63726561746f723a303130323033303430353036303730383a74"
            + "32140a040a20000011080706050403020118022080013217"
            + "0a040a200080110807060504030201188180808010204032130a040a2000c011080706050403020118012040"
            + "3a12090900000000000000110807060504030201";

    @Test
    void garbageAndHostileInputAreTypedErrors() {
        Random rnd = new Random(7);
        byte[] good = RingCodec.encode(Ring.fromSeeds(CFG, List.of("a", "b", "c")));
        int typed = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            try {
                RingCodec.decode(b);
            } catch (RingException e) {
                typed++;
            }
        }
        assertThat(typed).isGreaterThan(100);
        assertThatThrownBy(() -> RingCodec.decode(new byte[0])).isInstanceOf(RingDecodeException.class);
        assertThatThrownBy(() -> RingCodec.decode(new byte[] {(byte) 0xff, (byte) 0xff}))
                .isInstanceOf(RingDecodeException.class);
        assertThatThrownBy(() -> RingCodec.decode(new byte[RingCodec.MAX_BYTES + 1]))
                .isInstanceOf(RingDecodeException.class)
                .hasMessageContaining("limit");
        RingMsg future = RingCodec.toMessage(Ring.createdBy(CFG, A, "u")).toBuilder()
                .setFormatVersion(2)
                .build();
        assertThatThrownBy(() -> RingCodec.decode(future.toByteArray()))
                .isInstanceOf(RingDecodeException.class)
                .hasMessageContaining("version 2");
        RingMsg mixed = RingCodec.toMessage(Ring.createdBy(CFG, A, "u")).toBuilder()
                .addEntries(RingEntryMsg.newBuilder()
                        .setToken(ByteString.copyFrom(ip("fd00::").bytes()))
                        .setOwner(A)
                        .setVersion(1))
                .build();
        assertThatThrownBy(() -> RingCodec.decode(mixed.toByteArray())).isInstanceOf(RingDecodeException.class);
        RingMsg zeroVersion = RingCodec.toMessage(Ring.createdBy(CFG, A, "u")).toBuilder()
                .setEntries(
                        0,
                        RingEntryMsg.newBuilder()
                                .setToken(ByteString.copyFrom(ip("10.32.0.0").bytes()))
                                .setOwner(A)
                                .setVersion(0))
                .build();
        assertThatThrownBy(() -> RingCodec.decode(zeroVersion.toByteArray())).isInstanceOf(RingDecodeException.class);
    }

    @Test
    void ipv6RingWorksTheSameWay() {
        RingConfig v6 = new RingConfig(Cidr.parse("fd00:32::/48"), 64);
        Ring r = Ring.fromSeeds(v6, List.of("a", "b", "c", "d")).claimSeed(A, "a");
        assertThat(r.cidrsOwnedBy(A)).containsExactly(Cidr.parse("fd00:32::/50"));
        assertThat(r.freeByOwner().get(A)).isEqualTo(Long.MAX_VALUE); // 2^78 saturates
        Ring d = r.donate(A, Cidr.parse("fd00:32:0:1000::/64").toRange(), B, x -> Ring.saturate(x.size()));
        assertThat(d.cidrsOwnedBy(B)).containsExactly(Cidr.parse("fd00:32:0:1000::/64"));
        assertThat(RingCodec.decode(RingCodec.encode(d))).isEqualTo(d);
    }

    @Test
    void tenThousandEntryRingMergesQuickly() {
        // build a ring with many entries by donating many blocks
        RingConfig cfg = new RingConfig(Cidr.parse("10.32.0.0/12"), 64);
        Ring r = Ring.createdBy(cfg, A, "u");
        java.util.List<RingEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            entries.add(new RingEntry(ip("10.32.0.0").plus(64L * i), 100 + (i % 50), 1 + (i % 3), 10));
        }
        Ring big = Ring.of(cfg, r.genesis(), entries, Map.of());
        List<RingEntry> bumped = new java.util.ArrayList<>(entries);
        for (int i = 0; i < bumped.size(); i += 7) {
            RingEntry e = bumped.get(i);
            bumped.set(i, new RingEntry(e.token(), e.owner(), e.version() + 1, 11));
        }
        Ring big2 = Ring.of(cfg, r.genesis(), bumped, Map.of());
        long t0 = System.nanoTime();
        Ring.MergeResult m = big.merge(big2);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(m.changed()).isTrue();
        assertThat(m.ring()).isEqualTo(big2);
        assertThat(ms).isLessThan(2000);
    }
}
