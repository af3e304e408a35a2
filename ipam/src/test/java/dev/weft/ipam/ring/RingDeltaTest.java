package dev.weft.ipam.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.proto.RingDeltaMsg;
import dev.weft.ipam.proto.RingEntryMsg;
import dev.weft.ipam.proto.TombstoneMsg;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RingDeltaTest {
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
    void aDeltaCarriesTheChangedEntriesWithTheirSuccessorsAndMergesLikeTheRing() {
        Ring r = Ring.createdBy(CFG, A, "uid");
        Ring d1 = r.donate(A, IpRange.of(ip("10.40.0.0"), ip("10.44.0.0")), B, RingDeltaTest::allFree);
        RingDelta delta = RingDelta.from(d1, Set.of(ip("10.32.0.0"), ip("10.40.0.0")), Set.of());
        // the successor 10.44.0.0 of the new token travels too
        assertThat(delta.entries())
                .extracting(RingEntry::token)
                .containsExactly(ip("10.32.0.0"), ip("10.40.0.0"), ip("10.44.0.0"));
        Ring.MergeResult m = r.merge(delta);
        assertThat(m.changed()).isTrue();
        assertThat(m.ring()).isEqualTo(d1);
        assertThat(m.ring().merge(delta).changed()).isFalse();
        assertThat(d1.merge(delta).changed()).isFalse();
    }

    @Test
    void aReceiverThatMissedAnEarlierSplitDoesNotStretchANewEntry() {
        // A gives [10.44, 10.48) to C; a receiver misses that delta. Then A gives [10.40, 10.44) to B.
        Ring r = Ring.createdBy(CFG, A, "uid");
        Ring first = r.donate(A, IpRange.of(ip("10.44.0.0"), ip("10.48.0.0")), C, RingDeltaTest::allFree);
        Ring second = first.donate(A, IpRange.of(ip("10.40.0.0"), ip("10.44.0.0")), B, RingDeltaTest::allFree);
        RingDelta secondDelta = RingDelta.from(second, Set.of(ip("10.32.0.0"), ip("10.40.0.0")), Set.of());
        Ring atB = r.merge(secondDelta).ring(); // B only ever saw the second donation
        // B owns exactly what it was given, not C's range behind it
        assertThat(atB.rangesOwnedBy(B)).containsExactly(IpRange.of(ip("10.40.0.0"), ip("10.44.0.0")));
        assertThat(atB.ownerOf(ip("10.44.0.0"))).hasValue(C);
    }

    @Test
    void foreignConflictingAndTakeoverDeltasAreRefused() {
        Ring r = Ring.createdBy(CFG, A, "uid");
        Ring other = Ring.createdBy(CFG, B, "uid2");
        assertThatThrownBy(() -> r.merge(other.asDelta()))
                .isInstanceOf(RingMismatchException.class)
                .hasMessageContaining("delta");
        Ring s = Ring.fromSeeds(CFG, List.of("node-a", "node-b"));
        RingDelta claimA = RingDelta.from(s.claimSeed(A, "node-a"), Set.of(ip("10.32.0.0")), Set.of());
        RingDelta claimC = RingDelta.from(s.claimSeed(C, "node-a"), Set.of(ip("10.32.0.0")), Set.of());
        Ring atA = s.merge(claimA).ring();
        assertThatThrownBy(() -> atA.merge(claimC)).isInstanceOf(RingConflictException.class);
        // a delta that takes a range in use is refused as peer A
        RingDelta takeover = RingDelta.of(CFG, s.genesis(), List.of(new RingEntry(ip("10.32.0.0"), B, 9, 0)), Map.of());
        assertThatThrownBy(() -> atA.mergeAsPeer(takeover, A, x -> true))
                .isInstanceOf(RangeTakeoverRefusedException.class);
        Ring.PeerMergeResult ok = atA.mergeAsPeer(takeover, A, x -> false);
        assertThat(ok.lost()).containsExactly(IpRange.of(ip("10.32.0.0"), ip("10.40.0.0")));
        // a tombstone in a delta tells the removed peer
        Ring reclaimed = atA.reclaim(B, A);
        RingDelta tomb = RingDelta.from(reclaimed, Set.of(ip("10.32.0.0")), Set.of(A));
        Ring.PeerMergeResult removed = atA.mergeAsPeer(tomb, A, x -> false);
        assertThat(removed.selfRemoved()).isTrue();
        assertThat(removed.ring()).isEqualTo(reclaimed);
    }

    @Test
    void invalidDeltasAreTypedErrors() {
        RingGenesis g = RingGenesis.creator(dev.weft.id.PeerId.of(A), "x");
        assertThatThrownBy(() -> RingDelta.of(
                        CFG,
                        g,
                        List.of(new RingEntry(ip("10.33.0.0"), A, 1, 0), new RingEntry(ip("10.32.1.0"), A, 1, 0)),
                        Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("increasing");
        assertThatThrownBy(() -> RingDelta.of(CFG, g, List.of(new RingEntry(ip("10.32.0.1"), A, 1, 0)), Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("aligned");
        assertThatThrownBy(() -> RingDelta.of(CFG, g, List.of(new RingEntry(ip("10.48.0.0"), A, 1, 0)), Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> RingDelta.of(CFG, g, List.of(new RingEntry(ip("10.47.255.192"), A, 1, 65)), Map.of()))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("free");
        assertThatThrownBy(() -> RingDelta.of(CFG, g, List.of(), Map.of(A, A)))
                .isInstanceOf(RingInvariantException.class)
                .hasMessageContaining("tombstone");
        assertThat(RingDelta.of(CFG, g, List.of(), Map.of()).isEmpty()).isTrue();
    }

    @Test
    void codecRoundTripsAndMatchesGoldenBytes() {
        long owner = 0x0102030405060708L;
        Ring r = Ring.createdBy(new RingConfig(Cidr.parse("10.32.0.0/24"), 64), owner, "t")
                .donate(owner, IpRange.of(ip("10.32.0.128"), ip("10.32.0.192")), 9, RingDeltaTest::allFree)
                .reclaim(owner, 9);
        RingDelta d = RingDelta.from(r, Set.of(ip("10.32.0.128")), Set.of(9L));
        byte[] bytes = RingDeltaCodec.encode(d);
        assertThat(RingDeltaCodec.decode(bytes)).isEqualTo(d);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(GOLDEN);
    }

    // format_version=1, range 10.32.0.0/24, min_block 64, genesis "creator:0102030405060708:t",
    // entries 10.32.0.128 (v2^32+1 free 64) and its successor 10.32.0.192 (v1 free 64), tombstone 9->owner
    static final String GOLDEN = "080112040a200000181820402a1a63726561746f723a303130323033303430353036303730383a74"
            + "32170a040a200080110807060504030201188180808010204032130a040a2000c0110807060504030201180120403a12"
            + "090900000000000000110807060504030201";

    @Test
    void garbageAndHostileInputAreTypedErrors() {
        Random rnd = new Random(11);
        Ring s = Ring.fromSeeds(CFG, List.of("a", "b", "c"));
        byte[] good = RingDeltaCodec.encode(s.asDelta());
        int typed = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            try {
                RingDeltaCodec.decode(b);
            } catch (RingException e) {
                typed++;
            }
        }
        assertThat(typed).isGreaterThan(100);
        assertThatThrownBy(() -> RingDeltaCodec.decode(new byte[0])).isInstanceOf(RingDecodeException.class);
        assertThatThrownBy(() -> RingDeltaCodec.decode(new byte[] {(byte) 0xff, (byte) 0xff}))
                .isInstanceOf(RingDecodeException.class);
        assertThatThrownBy(() -> RingDeltaCodec.decode(new byte[RingDeltaCodec.MAX_BYTES + 1]))
                .isInstanceOf(RingDecodeException.class)
                .hasMessageContaining("limit");
        RingDeltaMsg base = RingDeltaCodec.toMessage(s.asDelta());
        assertThatThrownBy(() -> RingDeltaCodec.decode(
                        base.toBuilder().setFormatVersion(2).build().toByteArray()))
                .isInstanceOf(RingDecodeException.class)
                .hasMessageContaining("version 2");
        RingDeltaMsg zeroOwner = base.toBuilder()
                .setEntries(
                        0,
                        RingEntryMsg.newBuilder()
                                .setToken(ByteString.copyFrom(ip("10.32.0.0").bytes()))
                                .setOwner(0)
                                .setVersion(1))
                .build();
        assertThatThrownBy(() -> RingDeltaCodec.decode(zeroOwner.toByteArray()))
                .isInstanceOf(RingDecodeException.class);
        RingDeltaMsg v6Token = base.toBuilder()
                .addEntries(RingEntryMsg.newBuilder()
                        .setToken(ByteString.copyFrom(ip("fd00::").bytes()))
                        .setOwner(A)
                        .setVersion(1))
                .build();
        assertThatThrownBy(() -> RingDeltaCodec.decode(v6Token.toByteArray())).isInstanceOf(RingDecodeException.class);
        RingDeltaMsg twoReclaimers = base.toBuilder()
                .addTombstones(TombstoneMsg.newBuilder().setRemovedPeer(5).setReclaimedBy(6))
                .addTombstones(TombstoneMsg.newBuilder().setRemovedPeer(5).setReclaimedBy(7))
                .build();
        assertThatThrownBy(() -> RingDeltaCodec.decode(twoReclaimers.toByteArray()))
                .isInstanceOf(RingDecodeException.class);
    }
}
