package dev.weft.gossip.swim;

import static dev.weft.gossip.swim.EngineFixture.B;
import static dev.weft.gossip.swim.EngineFixture.ROGUE;
import static dev.weft.gossip.swim.EngineFixture.alive;
import static dev.weft.gossip.swim.EngineFixture.from;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import dev.weft.id.PeerId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What makes signed membership cheaper without weakening it: an ALIVE may come without its key when the relayer
 * expects us to hold it (checked against the key we hold, never believed without one), a push-pull reply leaves out
 * what the request showed, and what a push-pull teaches about third members is not rumoured on.
 */
class KeylessRelayTest {
    private final SplittableRandom random = new SplittableRandom(5);
    private final IdentityKey keyB = IdentityKey.generate(random);
    private final IdentityKey keyC = IdentityKey.generate(random);
    private final IdentityKey keyRogue = IdentityKey.generate(random);
    private final PeerId bId = keyB.derivedId();
    private final PeerId cId = keyC.derivedId();
    private final PeerId rogueId = keyRogue.derivedId();
    private final EngineFixture fx = new EngineFixture();
    private final PeerKeys keysA = PeerKeys.generate(random);
    private final SwimEngine a = fx.engine(keysA, 1, 1);

    private static MemberUpdate keyless(MemberUpdate u) {
        return u.toBuilder().clearPublicKey().build();
    }

    private void knowB() {
        a.onPacket(B, from(bId, Signed.alive(alive(bId, 3, B, "b3").build(), keyB)), 0);
        assertThat(a.member(bId).incarnation()).isEqualTo(3);
    }

    private String recordOfB() {
        return new String(a.member(bId).record(), StandardCharsets.UTF_8);
    }

    @Test
    void aKeylessUpdateOfAKnownMemberIsCheckedAgainstTheKeyWeHold() {
        knowB();
        a.onPacket(
                ROGUE, from(rogueId, keyless(Signed.alive(alive(bId, 4, B, "b4").build(), keyB))), 1);
        assertThat(recordOfB()).isEqualTo("b4");
        // signed by another key and sent without one: checked against B's key, refused
        a.onPacket(
                ROGUE,
                from(
                        rogueId,
                        keyless(Signed.alive(alive(bId, 5, ROGUE, "hijacked").build(), keyRogue))),
                2);
        // B's genuine signature with the content changed
        MemberUpdate tampered = keyless(Signed.alive(alive(bId, 6, B, "b6").build(), keyB)).toBuilder()
                .setAddress(Endpoints.toWire(ROGUE))
                .build();
        a.onPacket(ROGUE, from(rogueId, tampered), 3);
        assertThat(recordOfB()).isEqualTo("b4");
        assertThat(a.member(bId).address()).isEqualTo(B);
        assertThat(fx.counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(2);
    }

    @Test
    void aKeylessUpdateOfAMemberWeDoNotHoldIsNotBelievedAndNotCountedAsADrop() {
        MemberUpdate genuine = Signed.alive(alive(cId, 1, B, "c").build(), keyC);
        a.onPacket(B, from(bId, keyless(genuine)), 0);
        assertThat(a.member(cId)).isNull();
        assertThat(a.aliveKeyUnknown()).isEqualTo(1);
        for (DropReason r : DropReason.values()) {
            assertThat(fx.counters.dropped(r)).as("%s", r).isZero();
        }
        // without key and signature it is an unsigned record, as before
        a.onPacket(B, from(bId, keyless(genuine).toBuilder().clearSignature().build()), 1);
        assertThat(fx.counters.dropped(DropReason.UNSIGNED_RECORD)).isEqualTo(1);
        // with its key it is believed
        a.onPacket(B, from(bId, genuine), 2);
        assertThat(a.stateOf(cId)).isEqualTo(MemberState.ALIVE);
    }

    /**
     * The ALIVE updates piggybacked on the datagrams the engine sends in its next gossip rounds (nothing is delivered,
     * so its probes fail and it also gossips suspicions: left out).
     */
    private List<MemberUpdate> gossiped(long from) {
        fx.sent.clear();
        a.start(from);
        for (long t = from; t < from + 2_000_000_000L; t += 10_000_000L) {
            a.onTick(t);
        }
        return fx.sent.stream()
                .flatMap(p -> p.getGossipList().stream())
                .filter(u -> u.getStatus() == MemberStatus.ALIVE)
                .toList();
    }

    @Test
    void aNewMemberIsRelayedWithItsKeyAKnownOnesNewIncarnationWithout() {
        knowB();
        a.onPacket(B, from(bId, Signed.alive(alive(cId, 1, B, "c").build(), keyC)), 0);
        a.onPacket(B, from(bId, Signed.alive(alive(bId, 4, B, "b4").build(), keyB)), 0);
        List<MemberUpdate> out = gossiped(0);
        assertThat(out).anySatisfy(u -> {
            assertThat(u.getMemberId()).isEqualTo(cId.toString());
            assertThat(u.getPublicKey().toByteArray()).isEqualTo(keyC.publicKey());
        });
        assertThat(out).anySatisfy(u -> {
            assertThat(u.getMemberId()).isEqualTo(bId.toString());
            assertThat(u.getIncarnation()).isEqualTo(4);
            assertThat(u.getPublicKey().isEmpty()).isTrue();
            assertThat(u.getSignature().size()).isEqualTo(IdentityKey.SIGNATURE_BYTES);
        });
    }

    private PushPull pushPull(MemberUpdate... members) {
        Packet reply = a.onStreamRequest(
                ROGUE,
                Packet.newBuilder()
                        .setSenderId(rogueId.toString())
                        .setPushPull(PushPull.newBuilder().addAllMembers(List.of(members)))
                        .build(),
                1);
        return reply.getPushPull();
    }

    private static MemberUpdate entry(PushPull p, PeerId id) {
        return p.getMembersList().stream()
                .filter(u -> u.getMemberId().equals(id.toString()))
                .findFirst()
                .orElse(null);
    }

    @Test
    void aPushPullReplyLeavesOutWhatTheRequestShowed() {
        knowB();
        a.onPacket(B, from(bId, Signed.alive(alive(cId, 2, B, "c").build(), keyC)), 0);
        MemberUpdate rogue = Signed.alive(alive(rogueId, 1, ROGUE, "r").build(), keyRogue);
        PushPull reply = pushPull(
                rogue,
                Signed.alive(alive(bId, 3, B, "b3").build(), keyB), // as new as ours: left out
                Signed.alive(alive(cId, 1, B, "c").build(), keyC)); // older: ours, without the key it sent
        assertThat(entry(reply, bId)).isNull();
        assertThat(entry(reply, cId).getIncarnation()).isEqualTo(2);
        assertThat(entry(reply, cId).getPublicKey().isEmpty()).isTrue();
        assertThat(entry(reply, keysA.self()).getPublicKey().toByteArray())
                .as("our own entry, which the request lacked, with our key")
                .isEqualTo(keysA.own().publicKey());
        assertThat(reply.getMembersList())
                .allSatisfy(u -> assertThat(u.getFromId()).isEmpty());
        // a request without entries gets everything, with keys
        PushPull full = pushPull();
        assertThat(entry(full, bId).getPublicKey().toByteArray()).isEqualTo(keyB.publicKey());
        assertThat(entry(full, cId).getPublicKey().toByteArray()).isEqualTo(keyC.publicKey());
    }

    @Test
    void whatAPushPullTeachesAboutThirdMembersIsNotRumouredOn() {
        MemberUpdate rogue = Signed.alive(alive(rogueId, 1, ROGUE, "r").build(), keyRogue);
        MemberUpdate b = Signed.alive(alive(bId, 3, B, "b3").build(), keyB);
        pushPull(rogue, b);
        assertThat(a.stateOf(bId)).isEqualTo(MemberState.ALIVE);
        assertThat(a.stateOf(rogueId)).isEqualTo(MemberState.ALIVE);
        List<MemberUpdate> out = gossiped(1);
        assertThat(out).extracting(MemberUpdate::getMemberId).contains(rogueId.toString());
        assertThat(out).extracting(MemberUpdate::getMemberId).doesNotContain(bId.toString());
    }
}
