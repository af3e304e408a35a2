package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, attack 3: a compromised member (it has the cluster secret, so its packets are authenticated) announces a
 * false ALIVE record for another member: its own address, its own record, a higher incarnation. Records are signed
 * by their owner's identity key; the forgery is dropped and counted, and nothing about the victim changes.
 */
class HostileRecordTest {
    private static final InetSocketAddress B = EngineFixture.B;
    private static final InetSocketAddress ROGUE = EngineFixture.ROGUE;

    private final SplittableRandom random = new SplittableRandom(13);
    private final IdentityKey keyB = IdentityKey.generate(random);
    private final IdentityKey keyRogue = IdentityKey.generate(random);
    private final PeerId bId = keyB.derivedId();
    private final PeerId rogueId = keyRogue.derivedId();
    private final EngineFixture fx = new EngineFixture();
    private final WireCounters counters = fx.counters;
    private final List<MemberView> changes = fx.changes;
    private final PeerKeys keysA = PeerKeys.generate(random);
    private final SwimEngine a = fx.engine(keysA, 1, 1);

    private static MemberUpdate.Builder alive(PeerId id, long inc, InetSocketAddress at, String record) {
        return EngineFixture.alive(id, inc, at, record);
    }

    private static Packet from(PeerId sender, MemberUpdate... u) {
        return EngineFixture.from(sender, u);
    }

    private void knowBAndRogue() {
        a.onPacket(B, from(bId, Signed.alive(alive(bId, 3, B, "b-real").build(), keyB)), 0);
        a.onPacket(
                ROGUE,
                from(rogueId, Signed.alive(alive(rogueId, 1, ROGUE, "rogue").build(), keyRogue)),
                0);
        assertThat(a.member(bId).state()).isEqualTo(MemberState.ALIVE);
        changes.clear();
    }

    private void assertBUntouched() {
        MemberView b = a.member(bId);
        assertThat(b.incarnation()).isEqualTo(3);
        assertThat(b.address()).isEqualTo(B);
        assertThat(new String(b.record(), StandardCharsets.UTF_8)).isEqualTo("b-real");
        assertThat(changes).isEmpty();
    }

    @Test
    void aRecordForAnotherMemberSignedWithTheForgersKeyIsRefused() {
        knowBAndRogue();
        MemberUpdate forged = Signed.alive(alive(bId, 4, ROGUE, "hijacked").build(), keyRogue);
        a.onPacket(ROGUE, from(rogueId, forged), 1);
        assertBUntouched();
        assertThat(counters.dropped(DropReason.ID_KEY_MISMATCH)).isEqualTo(1);
    }

    @Test
    void aRecordCarryingTheVictimsKeyButNotItsSignatureIsRefused() {
        knowBAndRogue();
        MemberUpdate signedByRogue =
                Signed.alive(alive(bId, 4, ROGUE, "hijacked").build(), keyRogue);
        MemberUpdate forged = signedByRogue.toBuilder()
                .setPublicKey(ByteString.copyFrom(keyB.publicKey()))
                .build();
        a.onPacket(ROGUE, from(rogueId, forged), 1);
        // a genuine signature of B with the content changed afterwards
        MemberUpdate tampered = Signed.alive(alive(bId, 4, B, "b-real").build(), keyB).toBuilder()
                .setAddress(Endpoints.toWire(ROGUE))
                .build();
        a.onPacket(ROGUE, from(rogueId, tampered), 2);
        assertBUntouched();
        assertThat(counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(2);
    }

    @Test
    void anUnsignedRecordIsRefused() {
        knowBAndRogue();
        a.onPacket(ROGUE, from(rogueId, alive(bId, 4, ROGUE, "hijacked").build()), 1);
        a.onPacket(
                ROGUE, from(rogueId, alive(PeerId.of(0x77), 1, ROGUE, "phantom").build()), 1);
        assertBUntouched();
        assertThat(a.member(PeerId.of(0x77))).isNull();
        assertThat(counters.dropped(DropReason.UNSIGNED_RECORD)).isEqualTo(2);
    }

    @Test
    void forgeriesInAFullStateExchangeAreRefusedToo() {
        knowBAndRogue();
        a.onStreamRequest(
                ROGUE,
                Packet.newBuilder()
                        .setSenderId(rogueId.toString())
                        .setPushPull(PushPull.newBuilder()
                                .addMembers(Signed.alive(
                                        alive(bId, 5, ROGUE, "hijacked").build(), keyRogue))
                                .addMembers(alive(bId, 6, ROGUE, "hijacked").build()))
                        .build(),
                1);
        assertBUntouched();
        assertThat(counters.dropped(DropReason.ID_KEY_MISMATCH)).isEqualTo(1);
        assertThat(counters.dropped(DropReason.UNSIGNED_RECORD)).isEqualTo(1);
    }

    @Test
    void theOwnersRecordRelayedByAnyoneIsBelievedAndVerifiedOncePerIncarnation() {
        knowBAndRogue();
        long before = keysA.verifications();
        MemberUpdate genuine = Signed.alive(alive(bId, 4, B, "b-new").build(), keyB);
        for (int i = 0; i < 10; i++) {
            a.onPacket(ROGUE, from(rogueId, genuine), 1 + i); // relayed ten times
        }
        assertThat(new String(a.member(bId).record(), StandardCharsets.UTF_8)).isEqualTo("b-new");
        assertThat(keysA.verifications() - before).isEqualTo(1);
    }

    @Test
    void aForgedRecordAboutOurselvesIsCountedAndRefuted() {
        long inc = a.incarnation();
        a.onPacket(
                ROGUE,
                from(
                        rogueId,
                        Signed.alive(alive(keysA.self(), inc + 1, ROGUE, "x").build(), keyRogue)),
                1);
        assertThat(counters.dropped(DropReason.ID_KEY_MISMATCH)).isEqualTo(1);
        assertThat(a.incarnation()).isGreaterThan(inc + 1);
    }

    @Test
    void aForgerWhoClaimsAnUnheardIdIsLegacyLosesToTheOwnersSignedRecord() {
        // residual, documented in SECURITY.md: a member that never heard of B believes a forger's first claim
        // (B could be a legacy id); B's own signed record (its key hashes to B) replaces the pin and wins
        MemberUpdate firstClaim = Signed.alive(alive(bId, 3, ROGUE, "hijacked").build(), keyRogue);
        a.onPacket(ROGUE, from(rogueId, firstClaim), 0);
        assertThat(a.member(bId).address()).isEqualTo(ROGUE);
        MemberUpdate refutation = Signed.alive(alive(bId, 4, B, "b-real").build(), keyB);
        a.onPacket(B, from(bId, refutation), 1);
        assertThat(a.member(bId).address()).isEqualTo(B);
        assertThat(keysA.keyOf(bId)).isEqualTo(keyB.publicKey());
        // the forger cannot take it back: its key no longer speaks for B
        a.onPacket(
                ROGUE, from(rogueId, Signed.alive(alive(bId, 5, ROGUE, "again").build(), keyRogue)), 2);
        assertThat(a.member(bId).address()).isEqualTo(B);
        assertThat(counters.dropped(DropReason.ID_KEY_MISMATCH)).isEqualTo(1);
    }

    @Test
    void aLegacyIdIsPinnedOnFirstSightAndThenOnlyItsKeySpeaksForIt() {
        PeerId legacy = PeerId.of(0x1e9acc);
        IdentityKey legacyKey = IdentityKey.generate(random);
        List<PeerId> pinned = new ArrayList<>();
        keysA.onPinned((id, key) -> pinned.add(id));
        a.onPacket(B, from(legacy, Signed.alive(alive(legacy, 2, B, "old-node").build(), legacyKey)), 0);
        assertThat(pinned).containsExactly(legacy);
        a.onPacket(
                ROGUE,
                from(rogueId, Signed.alive(alive(legacy, 3, ROGUE, "hijacked").build(), keyRogue)),
                1);
        assertThat(a.member(legacy).address()).isEqualTo(B);
        assertThat(counters.dropped(DropReason.ID_KEY_MISMATCH)).isEqualTo(1);

        // after a restart the pin is loaded again: the forger is refused even before the owner is heard of
        PeerKeys restarted = new PeerKeys(keysA.self(), keysA.own(), Map.of(legacy, legacyKey.publicKey()));
        EngineFixture fx2 = new EngineFixture();
        WireCounters c2 = fx2.counters;
        SwimEngine a2 = fx2.engine(restarted, 2, 2);
        a2.onPacket(
                ROGUE,
                from(rogueId, Signed.alive(alive(legacy, 3, ROGUE, "hijacked").build(), keyRogue)),
                1);
        assertThat(a2.member(legacy)).isNull();
        assertThat(c2.dropped(DropReason.ID_KEY_MISMATCH)).isEqualTo(1);
    }
}
