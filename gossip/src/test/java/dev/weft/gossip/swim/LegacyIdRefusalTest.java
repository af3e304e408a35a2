package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.weft.gossip.GossipConfig;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code --require-self-certifying-ids}: a node that refuses legacy ids drops every member record whose key does not
 * hash to its id ({@code legacy_id_refused}), in gossip and in full state, and pins nothing; a node that does not
 * (the default) still admits and pins them. Self-certifying members are admitted either way.
 */
class LegacyIdRefusalTest {
    private static final InetSocketAddress A = new InetSocketAddress("192.0.2.1", 6770);
    private static final InetSocketAddress B = new InetSocketAddress("192.0.2.2", 6770);

    private final SplittableRandom random = new SplittableRandom(21);
    private final IdentityKey keyA = IdentityKey.generate(random);
    private final IdentityKey keyB = IdentityKey.generate(random);
    private final IdentityKey legacyKey = IdentityKey.generate(random);
    private final PeerId legacy = PeerId.of(0x1e9acc);
    private final WireCounters counters = new WireCounters();
    private final List<PeerId> pinned = new ArrayList<>();
    private final SwimOutput out = new SwimOutput() {
        @Override
        public void send(InetSocketAddress to, Packet packet) {}

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {}
    };

    private SwimEngine engine(boolean refuse, Map<PeerId, byte[]> pins) {
        PeerKeys keys = new PeerKeys(keyA.derivedId(), keyA, pins, refuse);
        keys.onPinned((id, key) -> pinned.add(id));
        return new SwimEngine(keyA.derivedId(), A, 1, SwimSettings.defaults(), new Random(1), out, counters, keys);
    }

    private static MemberUpdate alive(PeerId id, long inc, InetSocketAddress at, IdentityKey key) {
        return Signed.alive(
                MemberUpdate.newBuilder()
                        .setStatus(MemberStatus.ALIVE)
                        .setMemberId(id.toString())
                        .setIncarnation(inc)
                        .setAddress(Endpoints.toWire(at))
                        .setRecord(ByteString.copyFromUtf8("rec"))
                        .build(),
                key);
    }

    private static Packet gossip(PeerId sender, MemberUpdate u) {
        return Packet.newBuilder().setSenderId(sender.toString()).addGossip(u).build();
    }

    @Test
    void refusingLegacyIdsDropsTheirRecordsAndPinsNothing() {
        SwimEngine a = engine(true, Map.of());
        a.onPacket(B, gossip(keyB.derivedId(), alive(legacy, 2, B, legacyKey)), 0);
        a.onStreamRequest(
                B,
                Packet.newBuilder()
                        .setSenderId(keyB.derivedId().toString())
                        .setPushPull(PushPull.newBuilder().addMembers(alive(legacy, 3, B, legacyKey)))
                        .build(),
                1);
        assertThat(a.member(legacy)).isNull();
        assertThat(pinned).isEmpty();
        assertThat(counters.dropped(DropReason.LEGACY_ID_REFUSED)).isEqualTo(2);
        // a self-certifying member is admitted as always
        a.onPacket(B, gossip(keyB.derivedId(), alive(keyB.derivedId(), 1, B, keyB)), 2);
        assertThat(a.member(keyB.derivedId())).isNotNull();
        assertThat(counters.dropped(DropReason.LEGACY_ID_REFUSED)).isEqualTo(2);
    }

    @Test
    void byDefaultALegacyIdIsAdmittedAndPinned() {
        SwimEngine a = engine(false, Map.of());
        a.onPacket(B, gossip(keyB.derivedId(), alive(legacy, 2, B, legacyKey)), 0);
        assertThat(a.member(legacy)).isNotNull();
        assertThat(pinned).containsExactly(legacy);
        assertThat(counters.dropped(DropReason.LEGACY_ID_REFUSED)).isZero();
    }

    @Test
    void pinsOfEarlierStartsAreNotLoadedWhenRefusing() {
        PeerKeys keys = new PeerKeys(keyA.derivedId(), keyA, Map.of(legacy, legacyKey.publicKey()), true);
        assertThat(keys.keyOf(legacy)).isNull();
        assertThat(keys.refusesLegacyIds()).isTrue();
        SwimEngine a = engine(true, Map.of(legacy, legacyKey.publicKey()));
        a.onPacket(B, gossip(keyB.derivedId(), alive(legacy, 2, B, legacyKey)), 0);
        assertThat(a.member(legacy)).isNull();
        assertThat(counters.dropped(DropReason.LEGACY_ID_REFUSED)).isEqualTo(1);
    }

    @Test
    void aNodeWithALegacyIdCannotRefuseLegacyIds() {
        assertThatThrownBy(() -> new PeerKeys(legacy, legacyKey, Map.of(), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("legacy id");
        assertThatThrownBy(() -> GossipConfig.builder("c", legacy)
                        .identityKey(legacyKey)
                        .refuseLegacyIds(true)
                        .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("legacy id");
    }
}
