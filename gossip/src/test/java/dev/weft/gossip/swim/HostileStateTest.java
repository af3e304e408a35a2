package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.ChannelPush;
import dev.weft.gossip.wire.proto.ChannelState;
import dev.weft.gossip.wire.proto.Direct;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the sender of a full channel state (push-pull, pushes, digest repair) and of a direct message (an IPAM
 * space grant) is proven by its signature before the channel or the agent sees the bytes. A state that is unsigned,
 * signed with another key, or replayed under another sender id is dropped and counted, so the ring's rule "changes
 * are believed from their author" rests on a proven sender.
 */
class HostileStateTest {
    private static final InetSocketAddress A = new InetSocketAddress("192.0.2.1", 6770);
    private static final InetSocketAddress B = new InetSocketAddress("192.0.2.2", 6770);
    private static final InetSocketAddress ROGUE = new InetSocketAddress("192.0.2.66", 6770);

    private final SplittableRandom random = new SplittableRandom(3);
    private final IdentityKey keyB = IdentityKey.generate(random);
    private final IdentityKey keyRogue = IdentityKey.generate(random);
    private final PeerId bId = keyB.derivedId();
    private final PeerId rogueId = keyRogue.derivedId();
    private final WireCounters counters = new WireCounters();
    private final List<String> received = new ArrayList<>();
    private final List<String> messages = new ArrayList<>();
    private final List<Packet> sent = new ArrayList<>();
    private final SwimOutput out = new SwimOutput() {
        @Override
        public void send(InetSocketAddress to, Packet packet) {}

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
            sent.add(request);
        }

        @Override
        public void memberChanged(MemberView member, MemberState previous) {}

        @Override
        public void recordChanged(MemberView member) {}

        @Override
        public void messageReceived(PeerId from, String topic, byte[] payload) {
            messages.add(from + ":" + topic);
        }
    };
    private final PeerKeys keysA = PeerKeys.generate(random);
    private final SwimEngine a =
            new SwimEngine(keysA.self(), A, 1, SwimSettings.defaults(), new Random(1), out, counters, keysA);
    private byte[] stateOfA = "a's ring".getBytes(StandardCharsets.UTF_8);

    HostileStateTest() {
        a.registerChannel("ring", new CrdtChannel() {
            @Override
            public byte[] localState() {
                return stateOfA.clone();
            }

            @Override
            public void receive(PeerId from, byte[] state) {
                received.add(from + ":" + new String(state, StandardCharsets.UTF_8));
            }

            @Override
            public void receiveDelta(PeerId from, byte[] delta) {}
        });
        a.onPacket(B, gossip(bId, alive(bId, keyB, B)), 0);
        a.onPacket(ROGUE, gossip(rogueId, alive(rogueId, keyRogue, ROGUE)), 0);
    }

    private static MemberUpdate alive(PeerId id, IdentityKey key, InetSocketAddress at) {
        return Signed.alive(
                MemberUpdate.newBuilder()
                        .setStatus(MemberStatus.ALIVE)
                        .setMemberId(id.toString())
                        .setIncarnation(1)
                        .setAddress(Endpoints.toWire(at))
                        .build(),
                key);
    }

    private static Packet gossip(PeerId sender, MemberUpdate u) {
        return Packet.newBuilder().setSenderId(sender.toString()).addGossip(u).build();
    }

    private static ChannelState state(String body) {
        return ChannelState.newBuilder()
                .setName("ring")
                .setState(ByteString.copyFromUtf8(body))
                .build();
    }

    private static ChannelState signed(ChannelState cs, PeerId as, IdentityKey key) {
        return cs.toBuilder()
                .setSignature(StateSignature.sign(StateSignature.state(cs.getName(), as, cs.getState()), key))
                .build();
    }

    /** {@code sender} sends {@code cs} in a push-pull and in a channel push. */
    private void sendAs(PeerId sender, ChannelState cs) {
        a.onStreamRequest(
                ROGUE,
                Packet.newBuilder()
                        .setSenderId(sender.toString())
                        .setPushPull(PushPull.newBuilder().addChannels(cs))
                        .build(),
                1);
        a.onStreamRequest(
                ROGUE,
                Packet.newBuilder()
                        .setSenderId(sender.toString())
                        .setChannelPush(ChannelPush.newBuilder().setChannel(cs))
                        .build(),
                2);
    }

    @Test
    void aStateSignedByItsSenderIsHandedOverWithThatSender() {
        sendAs(bId, signed(state("b's ring"), bId, keyB));
        assertThat(received).containsExactly(bId + ":b's ring", bId + ":b's ring");
    }

    @Test
    void anUnsignedStateIsDroppedAndCounted() {
        sendAs(rogueId, state("moves b's ranges to the rogue"));
        assertThat(received).isEmpty();
        assertThat(counters.dropped(DropReason.UNSIGNED_STATE)).isEqualTo(2);
    }

    @Test
    void aStateSignedWithAnotherKeyOrTamperedIsDroppedAndCounted() {
        sendAs(bId, signed(state("forged in b's name"), bId, keyRogue)); // claims b, signed by the rogue
        ChannelState genuine = signed(state("b's ring"), bId, keyB);
        sendAs(
                bId,
                genuine.toBuilder()
                        .setState(ByteString.copyFromUtf8("b's ring, edited"))
                        .build());
        sendAs(bId, genuine.toBuilder().setName("other").build()); // unknown channel: ignored before any check
        assertThat(received).isEmpty();
        assertThat(counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(4);
    }

    @Test
    void bsStateReplayedUnderAnotherSenderIdIsDropped() {
        ChannelState bs = signed(state("b's ring"), bId, keyB);
        sendAs(rogueId, bs); // the rogue passes b's signed state off as its own: the signed id is b's
        assertThat(received).isEmpty();
        assertThat(counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(2);
    }

    @Test
    void aStateOfASenderWhoseKeyIsNotKnownIsDropped() {
        IdentityKey stranger = IdentityKey.generate(random);
        sendAs(stranger.derivedId(), signed(state("x"), stranger.derivedId(), stranger));
        assertThat(received).isEmpty();
        assertThat(counters.dropped(DropReason.SENDER_KEY_UNKNOWN)).isEqualTo(2);
    }

    @Test
    void ourOwnStateIsSignedOncePerChangeAndVerifiesUnderOurKey() {
        a.onStreamRequest(
                B,
                Packet.newBuilder()
                        .setSenderId(bId.toString())
                        .setPushPull(PushPull.newBuilder())
                        .build(),
                1);
        Packet reply = a.onStreamRequest(
                B,
                Packet.newBuilder()
                        .setSenderId(bId.toString())
                        .setPushPull(PushPull.newBuilder())
                        .build(),
                2);
        ChannelState ours = reply.getPushPull().getChannels(0);
        assertThat(IdentityKey.verify(
                        keysA.own().publicKey(),
                        StateSignature.state("ring", keysA.self(), ours.getState()),
                        ours.getSignature().toByteArray()))
                .isTrue();
        stateOfA = "a's ring, changed".getBytes(StandardCharsets.UTF_8);
        a.onStreamRequest(
                B,
                Packet.newBuilder()
                        .setSenderId(bId.toString())
                        .setPushPull(PushPull.newBuilder())
                        .build(),
                3);
        assertThat(a.channelStateSignatures()).isEqualTo(2); // two states, three replies
    }

    @Test
    void aDirectMessageIsHandedOverOnlyWithItsSendersSignature() {
        Direct.Builder grant = Direct.newBuilder()
                .setToId(keysA.self().toString())
                .setTopic("ipam.space.grant")
                .setPayload(ByteString.copyFromUtf8("a grant"));
        Packet unsigned =
                Packet.newBuilder().setSenderId(bId.toString()).setDirect(grant).build();
        a.onStreamRequest(ROGUE, unsigned, 1);
        ByteString byRogue = StateSignature.sign(
                StateSignature.direct(bId, keysA.self(), grant.getTopic(), grant.getPayload()), keyRogue);
        a.onStreamRequest(
                ROGUE,
                Packet.newBuilder()
                        .setSenderId(bId.toString())
                        .setDirect(grant.clone().setSignature(byRogue))
                        .build(),
                2);
        assertThat(messages).isEmpty();
        assertThat(counters.dropped(DropReason.UNSIGNED_MESSAGE)).isEqualTo(1);
        assertThat(counters.dropped(DropReason.BAD_SIGNATURE)).isEqualTo(1);
        ByteString byB = StateSignature.sign(
                StateSignature.direct(bId, keysA.self(), grant.getTopic(), grant.getPayload()), keyB);
        a.onStreamRequest(
                B,
                Packet.newBuilder()
                        .setSenderId(bId.toString())
                        .setDirect(grant.clone().setSignature(byB))
                        .build(),
                3);
        assertThat(messages).containsExactly(bId + ":ipam.space.grant");
    }
}
