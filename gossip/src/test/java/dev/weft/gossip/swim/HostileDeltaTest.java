package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, attack 2: a compromised member relays a channel delta that names another member as its origin (the
 * ring then judges it as that member's change). Deltas are signed by their origin; a delta whose origin did not
 * sign it is dropped and counted, and a forged copy does not keep the genuine one out.
 */
class HostileDeltaTest {
    private static final InetSocketAddress B = EngineFixture.B;
    private static final InetSocketAddress ROGUE = EngineFixture.ROGUE;

    private final SplittableRandom random = new SplittableRandom(2);
    private final IdentityKey keyB = IdentityKey.generate(random);
    private final IdentityKey keyRogue = IdentityKey.generate(random);
    private final PeerId bId = keyB.derivedId();
    private final PeerId rogueId = keyRogue.derivedId();
    private final EngineFixture fx = new EngineFixture();
    private final WireCounters counters = fx.counters;
    private final List<String> delivered = new ArrayList<>();
    private final PeerKeys keysA = PeerKeys.generate(random);
    private final SwimEngine a = fx.engine(keysA, 1, 1);

    HostileDeltaTest() {
        a.registerChannel("ring", new CrdtChannel() {
            @Override
            public byte[] localState() {
                return new byte[0];
            }

            @Override
            public void receive(PeerId from, byte[] state) {}

            @Override
            public void receiveDelta(PeerId from, byte[] delta) {
                delivered.add(from + ":" + new String(delta, java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        a.onPacket(B, from(bId, alive(bId, keyB, B)), 0);
        a.onPacket(ROGUE, from(rogueId, alive(rogueId, keyRogue, ROGUE)), 0);
    }

    private static MemberUpdate alive(PeerId id, IdentityKey key, InetSocketAddress at) {
        return Signed.alive(EngineFixture.alive(id, 1, at, "").build(), key);
    }

    private static Packet from(PeerId sender, MemberUpdate u) {
        return EngineFixture.from(sender, u);
    }

    private static ChannelDelta delta(PeerId origin, long seq, String body) {
        return ChannelDelta.newBuilder()
                .setChannel("ring")
                .setOriginId(origin.toString())
                .setEpoch(7)
                .setSeq(seq)
                .setDelta(ByteString.copyFromUtf8(body))
                .build();
    }

    private void relay(ChannelDelta d, long now) {
        a.onPacket(
                ROGUE,
                Packet.newBuilder().setSenderId(rogueId.toString()).addDeltas(d).build(),
                now);
    }

    @Test
    void aDeltaInAnotherMembersNameIsRefusedUnlessThatMemberSignedIt() {
        relay(delta(bId, 1, "move b's ranges"), 1); // unsigned
        relay(DeltaSignature.sign(delta(bId, 1, "move b's ranges"), bId, keyRogue), 2); // signed by the relayer
        assertThat(delivered).isEmpty();
        assertThat(counters.dropped(DropReason.UNSIGNED_DELTA)).isEqualTo(1);
        assertThat(counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(1);

        // B's own delta with that number, relayed by the rogue, still arrives (the forgeries did not mark it seen)
        relay(DeltaSignature.sign(delta(bId, 1, "b's change"), bId, keyB), 3);
        assertThat(delivered).containsExactly(bId + ":b's change");
    }

    @Test
    void aGenuineDeltaWithItsBodyChangedIsRefused() {
        ChannelDelta genuine = DeltaSignature.sign(delta(bId, 1, "b's change"), bId, keyB);
        relay(
                genuine.toBuilder()
                        .setDelta(ByteString.copyFromUtf8("rogue's change"))
                        .build(),
                1);
        relay(genuine.toBuilder().setChannel("other").build(), 1);
        assertThat(delivered).isEmpty();
        assertThat(counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(2);
    }

    @Test
    void aDeltaOfAMemberWhoseKeyIsNotKnownYetIsDroppedAndCounted() {
        IdentityKey stranger = IdentityKey.generate(random);
        relay(DeltaSignature.sign(delta(stranger.derivedId(), 1, "x"), stranger.derivedId(), stranger), 1);
        assertThat(delivered).isEmpty();
        assertThat(counters.dropped(DropReason.DELTA_ORIGIN_UNKNOWN)).isEqualTo(1);
    }

    @Test
    void eachDeltaIsVerifiedOnceHoweverOftenItIsRelayed() {
        long before = keysA.verifications();
        ChannelDelta genuine = DeltaSignature.sign(delta(bId, 1, "b's change"), bId, keyB);
        for (int i = 0; i < 10; i++) {
            relay(genuine, 1 + i);
        }
        assertThat(delivered).hasSize(1);
        assertThat(keysA.verifications() - before).isEqualTo(1);
    }
}
