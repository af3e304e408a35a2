package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.Ack;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.ChannelDigest;
import dev.weft.gossip.wire.proto.ChannelPush;
import dev.weft.gossip.wire.proto.ChannelState;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.Ping;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The engine driven by hand: no network, no clock. */
class SwimEngineTest {
    private static final long MS = 1_000_000L;
    private static final InetSocketAddress SELF = new InetSocketAddress("192.0.2.1", 6770);
    private static final InetSocketAddress B = new InetSocketAddress("192.0.2.2", 6770);
    private static final PeerId A_ID = PeerId.of(0xa);
    private static final PeerId B_ID = PeerId.of(0xb);
    private static final PeerId C_ID = PeerId.of(0xc);
    private static final PeerId X_ID = PeerId.of(0x99);

    private final List<Packet> sent = new ArrayList<>();
    private final List<Packet> exchanged = new ArrayList<>();
    private final List<SwimOutput.ReplyHandler> pendingReplies = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final SwimOutput out = new SwimOutput() {
        @Override
        public void send(InetSocketAddress to, Packet packet) {
            sent.add(packet);
        }

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
            exchanged.add(request);
            pendingReplies.add(onReply);
        }

        @Override
        public void memberChanged(MemberView member, MemberState previous) {
            events.add(name(member.id()) + ":" + previous + "->" + member.state());
        }

        @Override
        public void recordChanged(MemberView member) {
            events.add(name(member.id()) + ":record");
        }
    };
    private final WireCounters counters = new WireCounters();
    private final SwimEngine engine =
            new SwimEngine(A_ID, SELF, 5, SwimSettings.defaults(), new Random(1), out, counters);

    private static String name(PeerId id) {
        return id.equals(B_ID) ? "b" : id.toString();
    }

    private static MemberUpdate alive(PeerId id, long inc, String record) {
        return Signed.alive(MemberUpdate.newBuilder()
                .setStatus(MemberStatus.ALIVE)
                .setMemberId(id.toString())
                .setIncarnation(inc)
                .setAddress(Endpoints.toWire(B))
                .setRecord(ByteString.copyFromUtf8(record)));
    }

    private static MemberUpdate of(MemberStatus s, PeerId id, long inc, PeerId from) {
        return MemberUpdate.newBuilder()
                .setStatus(s)
                .setMemberId(id.toString())
                .setIncarnation(inc)
                .setFromId(from.toString())
                .build();
    }

    private void gossip(long now, MemberUpdate... u) {
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(X_ID.toString())
                        .addAllGossip(List.of(u))
                        .build(),
                now);
    }

    @Test
    void aliveSuspectDeadAndNoResurrectionFromStaleGossip() {
        gossip(0, alive(B_ID, 1, "r1"));
        gossip(1, of(MemberStatus.SUSPECT, B_ID, 1, C_ID));
        assertThat(engine.stateOf(B_ID)).isEqualTo(MemberState.SUSPECT);
        gossip(2, alive(B_ID, 1, "r1"));
        assertThat(engine.stateOf(B_ID)).as("same incarnation does not refute").isEqualTo(MemberState.SUSPECT);
        gossip(3, of(MemberStatus.DEAD, B_ID, 1, C_ID));
        assertThat(engine.stateOf(B_ID)).isEqualTo(MemberState.DEAD);
        gossip(4, alive(B_ID, 1, "r1"));
        assertThat(engine.stateOf(B_ID)).as("stale alive").isEqualTo(MemberState.DEAD);
        gossip(5, alive(B_ID, 2, "r2"));
        assertThat(engine.stateOf(B_ID))
                .as("restarted with a higher incarnation")
                .isEqualTo(MemberState.ALIVE);
        assertThat(events).containsExactly("b:null->ALIVE", "b:ALIVE->SUSPECT", "b:SUSPECT->DEAD", "b:DEAD->ALIVE");
    }

    @Test
    void recordChangeNeedsHigherIncarnation() {
        gossip(0, alive(B_ID, 1, "r1"));
        gossip(1, alive(B_ID, 2, "r2"));
        assertThat(new String(engine.member(B_ID).record())).isEqualTo("r2");
        assertThat(events).containsExactly("b:null->ALIVE", "b:record");
    }

    @Test
    void suspicionOfSelfIsRefutedWithAHigherIncarnation() {
        engine.start(0);
        gossip(0, alive(B_ID, 1, ""));
        gossip(1, of(MemberStatus.SUSPECT, A_ID, 5, B_ID));
        assertThat(engine.incarnation()).isEqualTo(6);
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .setPing(Ping.newBuilder().setSeq(1).setTargetId(A_ID.toString()))
                        .build(),
                2);
        Packet ack = sent.get(sent.size() - 1);
        assertThat(ack.hasAck()).isTrue();
        assertThat(ack.getSenderId()).as("ids travel as 16 hex digits").isEqualTo("000000000000000a");
        assertThat(ack.getGossipList())
                .anyMatch(u -> u.getMemberId().equals(A_ID.toString())
                        && u.getStatus() == MemberStatus.ALIVE
                        && u.getIncarnation() == 6);
    }

    @Test
    void pingForSomeoneElseIsNotAnswered() {
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .setPing(Ping.newBuilder().setSeq(1).setTargetId(C_ID.toString()))
                        .build(),
                0);
        assertThat(sent).isEmpty();
        assertThat(counters.dropped(DropReason.MISDIRECTED)).isEqualTo(1);
    }

    @Test
    void idsThatAreNotPeerIdsAreDroppedAndCountedNeverThrown() {
        // sender
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId("peer-1")
                        .addGossip(alive(B_ID, 1, ""))
                        .build(),
                0);
        assertThat(engine.stateOf(B_ID)).as("whole packet dropped").isNull();
        assertThat(engine.onStreamRequest(B, Packet.newBuilder().setSenderId("").build(), 0)
                        .getDone()
                        .getAccepted())
                .isFalse();
        // subject of an update, accuser of a suspicion, ping target, delta origin
        gossip(
                1,
                MemberUpdate.newBuilder()
                        .setStatus(MemberStatus.ALIVE)
                        .setMemberId("0000000000000000")
                        .setAddress(Endpoints.toWire(B))
                        .build());
        gossip(2, alive(B_ID, 1, ""));
        gossip(
                3,
                MemberUpdate.newBuilder()
                        .setStatus(MemberStatus.SUSPECT)
                        .setMemberId(B_ID.toString())
                        .setIncarnation(1)
                        .setFromId("not-hex-digits!!")
                        .build());
        assertThat(engine.stateOf(B_ID)).isEqualTo(MemberState.ALIVE);
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .setPing(Ping.newBuilder().setSeq(1).setTargetId("a"))
                        .build(),
                4);
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .addDeltas(ChannelDelta.newBuilder()
                                .setChannel("c")
                                .setOriginId("xyz")
                                .setEpoch(1)
                                .setSeq(1))
                        .build(),
                5);
        assertThat(sent).isEmpty();
        assertThat(counters.dropped(DropReason.BAD_PEER_ID)).isEqualTo(6);
    }

    @Test
    void unansweredProbeLeadsToSuspicionThenDeath() {
        engine.start(0);
        gossip(0, alive(B_ID, 1, ""));
        long t = 0;
        while (engine.stateOf(B_ID) != MemberState.DEAD && t < 60_000 * MS) {
            t += 10 * MS;
            engine.onTick(t);
        }
        assertThat(engine.stateOf(B_ID)).isEqualTo(MemberState.DEAD);
        // probe (<= 1 s) + one interval + suspicion (2 s minimum: nobody else can confirm)
        assertThat(t).isBetween(2_000 * MS, 4_100 * MS);
        assertThat(events).containsExactly("b:null->ALIVE", "b:ALIVE->SUSPECT", "b:SUSPECT->DEAD");
    }

    @Test
    void tombstonesAreForgottenAfterTheirTtl() {
        engine.start(0);
        PeerId ghost = PeerId.of(0x6057);
        gossip(0, of(MemberStatus.DEAD, ghost, 3, C_ID));
        assertThat(engine.stateOf(ghost)).isEqualTo(MemberState.DEAD);
        long ttl = SwimSettings.defaults().tombstoneTtl().toNanos();
        for (long t = 0; t <= ttl + 2_000 * MS; t += 500 * MS) {
            engine.onTick(t);
        }
        assertThat(engine.stateOf(ghost)).isNull();
    }

    /** A channel that only records what it is handed (the owner would merge later, elsewhere). */
    static final class Recorder implements CrdtChannel {
        byte[] state = {1};
        final List<String> got = new ArrayList<>();

        @Override
        public byte[] localState() {
            return state;
        }

        @Override
        public void receive(PeerId from, byte[] s) {
            got.add("state " + from + " " + s.length);
        }

        @Override
        public void receiveDelta(PeerId from, byte[] d) {
            if (d.length == 0) {
                throw new IllegalArgumentException("empty delta");
            }
            got.add("delta " + from + " " + new String(d));
        }
    }

    private static ChannelDelta delta(PeerId origin, long epoch, long seq, String body) {
        return Signed.delta(ChannelDelta.newBuilder()
                .setChannel("ring")
                .setOriginId(origin.toString())
                .setEpoch(epoch)
                .setSeq(seq)
                .setDelta(ByteString.copyFromUtf8(body))
                .build());
    }

    private void deltas(long now, ChannelDelta... d) {
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .addAllDeltas(List.of(d))
                        .build(),
                now);
    }

    @Test
    void deltasAreHandedOverOncePerOriginAndSequenceAndPassedOn() {
        Recorder ch = new Recorder();
        engine.registerChannel("ring", ch);
        gossip(0, alive(B_ID, 1, ""));
        gossip(0, alive(C_ID, 1, "")); // deltas are verified with their origin's key, which its ALIVE carries
        deltas(1, delta(C_ID, 7, 1, "one"), delta(C_ID, 7, 2, "two"));
        deltas(2, delta(C_ID, 7, 2, "two"), delta(C_ID, 7, 1, "one"), delta(C_ID, 7, 3, "three"));
        // the origin restarted: a new epoch starts again at 1; stragglers of the old epoch stay out
        deltas(3, delta(C_ID, 8, 1, "new-one"), delta(C_ID, 7, 4, "old-four"));
        deltas(4, delta(A_ID, 1, 1, "our own, coming back"));
        assertThat(ch.got)
                .containsExactly(
                        "delta " + C_ID + " one",
                        "delta " + C_ID + " two",
                        "delta " + C_ID + " three",
                        "delta " + C_ID + " new-one");
        assertThat(engine.deltasDelivered()).isEqualTo(4);
        // a bad delta is counted, and does not stop the next
        deltas(5, delta(C_ID, 8, 2, ""), delta(C_ID, 8, 3, "after"));
        assertThat(counters.dropped(DropReason.CHANNEL_MERGE_FAILED)).isEqualTo(1);
        assertThat(ch.got).last().isEqualTo("delta " + C_ID + " after");
        // what we received rides on our next datagrams
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .setPing(Ping.newBuilder().setSeq(1).setTargetId(A_ID.toString()))
                        .build(),
                6);
        assertThat(sent.get(sent.size() - 1).getDeltasList())
                .extracting(ChannelDelta::getSeq)
                .contains(1L, 2L, 3L);
    }

    @Test
    void publishedDeltaRidesOnDatagramsAndLargeOnesGoOverStreams() {
        engine.registerChannel("ring", new Recorder());
        engine.start(0);
        gossip(0, alive(B_ID, 1, ""));
        exchanged.clear(); // the push-pull with the unknown gossiper
        engine.publishDelta("ring", "small".getBytes());
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .setPing(Ping.newBuilder().setSeq(1).setTargetId(A_ID.toString()))
                        .build(),
                1);
        ChannelDelta d = sent.get(sent.size() - 1).getDeltas(0);
        assertThat(d.getOriginId()).isEqualTo(A_ID.toString());
        assertThat(d.getSeq()).isEqualTo(1);
        assertThat(d.getDelta().toStringUtf8()).isEqualTo("small");
        engine.publishDelta("ring", new byte[5_000]);
        assertThat(exchanged).hasSize(1);
        assertThat(exchanged.get(0).getDelta().getSeq()).isEqualTo(2);
        assertThat(exchanged.get(0).getDelta().getDelta().size()).isEqualTo(5_000);
    }

    @Test
    void digestMismatchIsRepairedOnlyAfterTheGracePeriod() {
        Recorder ch = new Recorder();
        engine.registerChannel("ring", ch);
        engine.start(0);
        gossip(0, alive(B_ID, 1, ""));
        exchanged.clear(); // the push-pull with the unknown gossiper
        pendingReplies.clear();
        long grace = SwimSettings.defaults().digestRepairGrace().toNanos();
        Packet ack = Packet.newBuilder()
                .setSenderId(B_ID.toString())
                .setAck(Ack.newBuilder()
                        .setSeq(999)
                        .addDigests(ChannelDigest.newBuilder().setName("ring").setHash(12345)))
                .build();
        engine.onPacket(B, ack, MS);
        engine.onPacket(B, ack, MS + grace - 1);
        assertThat(exchanged).as("mismatch younger than the grace period").isEmpty();
        engine.onPacket(B, ack, MS + grace);
        assertThat(exchanged).hasSize(1);
        assertThat(exchanged.get(0).getChannelPush().getChannel().getName()).isEqualTo("ring");
        assertThat(engine.digestRepairs()).isEqualTo(1);
        // digests that keep moving (deltas in flight) never trigger an exchange, nor does one equal to ours
        pendingReplies.get(0).onReply(null, 2 * grace);
        for (int i = 0; i < 5; i++) {
            engine.onPacket(
                    B,
                    ack.toBuilder()
                            .setAck(Ack.newBuilder()
                                    .setSeq(999)
                                    .addDigests(ChannelDigest.newBuilder()
                                            .setName("ring")
                                            .setHash(1000 + i)))
                            .build(),
                    (10 + i) * grace);
        }
        Packet same = ack.toBuilder()
                .setAck(Ack.newBuilder()
                        .setSeq(999)
                        .addDigests(ChannelDigest.newBuilder()
                                .setName("ring")
                                .setHash(ChannelReplicator.hash(ByteString.copyFrom(ch.state)))))
                .build();
        engine.onPacket(B, same, 20 * grace);
        engine.onPacket(B, same, 30 * grace);
        assertThat(exchanged).hasSize(1);
    }

    @Test
    void pushIsHandedOverAndChangedMeansTheHashesDiffer() {
        Recorder ch = new Recorder();
        engine.registerChannel("ring", ch);
        // B's signed ALIVE first: its key proves who sent the state (StateSignature)
        engine.onPacket(
                B,
                Packet.newBuilder()
                        .setSenderId(B_ID.toString())
                        .addGossip(alive(B_ID, 1, "b"))
                        .build(),
                0);
        Packet same = Packet.newBuilder()
                .setSenderId(B_ID.toString())
                .setChannelPush(ChannelPush.newBuilder()
                        .setChannel(Signed.state(
                                ChannelState.newBuilder()
                                        .setName("ring")
                                        .setState(ByteString.copyFrom(new byte[] {1}))
                                        .build(),
                                B_ID)))
                .build();
        Packet reply = engine.onStreamRequest(B, same, 0);
        assertThat(reply.getChannelPush().getChanged()).isFalse();
        assertThat(ch.got).as("nothing to learn: not handed over").isEmpty();
        Packet other = same.toBuilder()
                .setChannelPush(ChannelPush.newBuilder()
                        .setChannel(Signed.state(
                                ChannelState.newBuilder()
                                        .setName("ring")
                                        .setState(ByteString.copyFrom(new byte[] {2, 3}))
                                        .build(),
                                B_ID)))
                .build();
        reply = engine.onStreamRequest(B, other, 1);
        assertThat(reply.getChannelPush().getChanged()).isTrue();
        assertThat(reply.getChannelPush().getChannel().getState().toByteArray()).containsExactly(1);
        assertThat(ch.got).containsExactly("state " + B_ID + " 2");
    }
}
