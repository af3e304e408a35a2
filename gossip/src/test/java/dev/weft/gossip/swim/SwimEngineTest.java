package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.Ping;
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

    private final List<Packet> sent = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final SwimOutput out = new SwimOutput() {
        @Override
        public void send(InetSocketAddress to, Packet packet) {
            sent.add(packet);
        }

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
        }

        @Override
        public void memberChanged(MemberView member, MemberState previous) {
            events.add(member.id() + ":" + previous + "->" + member.state());
        }

        @Override
        public void recordChanged(MemberView member) {
            events.add(member.id() + ":record");
        }
    };
    private final SwimEngine engine = new SwimEngine("a", SELF, 5, SwimSettings.defaults(), new Random(1), out,
            new WireCounters());

    private static MemberUpdate alive(String id, long inc, String record) {
        return MemberUpdate.newBuilder().setStatus(MemberStatus.ALIVE).setMemberId(id).setIncarnation(inc)
                .setAddress(Endpoints.toWire(B)).setRecord(ByteString.copyFromUtf8(record)).build();
    }

    private static MemberUpdate of(MemberStatus s, String id, long inc, String from) {
        return MemberUpdate.newBuilder().setStatus(s).setMemberId(id).setIncarnation(inc).setFromId(from).build();
    }

    private void gossip(long now, MemberUpdate... u) {
        engine.onPacket(B, Packet.newBuilder().setSenderId("x").addAllGossip(List.of(u)).build(), now);
    }

    @Test
    void aliveSuspectDeadAndNoResurrectionFromStaleGossip() {
        gossip(0, alive("b", 1, "r1"));
        gossip(1, of(MemberStatus.SUSPECT, "b", 1, "c"));
        assertThat(engine.stateOf("b")).isEqualTo(MemberState.SUSPECT);
        gossip(2, alive("b", 1, "r1"));
        assertThat(engine.stateOf("b")).as("same incarnation does not refute").isEqualTo(MemberState.SUSPECT);
        gossip(3, of(MemberStatus.DEAD, "b", 1, "c"));
        assertThat(engine.stateOf("b")).isEqualTo(MemberState.DEAD);
        gossip(4, alive("b", 1, "r1"));
        assertThat(engine.stateOf("b")).as("stale alive").isEqualTo(MemberState.DEAD);
        gossip(5, alive("b", 2, "r2"));
        assertThat(engine.stateOf("b")).as("restarted with a higher incarnation").isEqualTo(MemberState.ALIVE);
        assertThat(events).containsExactly("b:null->ALIVE", "b:ALIVE->SUSPECT", "b:SUSPECT->DEAD", "b:DEAD->ALIVE");
    }

    @Test
    void recordChangeNeedsHigherIncarnation() {
        gossip(0, alive("b", 1, "r1"));
        gossip(1, alive("b", 2, "r2"));
        assertThat(new String(engine.member("b").record())).isEqualTo("r2");
        assertThat(events).containsExactly("b:null->ALIVE", "b:record");
    }

    @Test
    void suspicionOfSelfIsRefutedWithAHigherIncarnation() {
        engine.start(0);
        gossip(0, alive("b", 1, ""));
        gossip(1, of(MemberStatus.SUSPECT, "a", 5, "b"));
        assertThat(engine.incarnation()).isEqualTo(6);
        engine.onPacket(B, Packet.newBuilder().setSenderId("b").setPing(Ping.newBuilder().setSeq(1).setTargetId("a"))
                .build(), 2);
        Packet ack = sent.get(sent.size() - 1);
        assertThat(ack.hasAck()).isTrue();
        assertThat(ack.getGossipList()).anyMatch(u -> u.getMemberId().equals("a")
                && u.getStatus() == MemberStatus.ALIVE && u.getIncarnation() == 6);
    }

    @Test
    void pingForSomeoneElseIsNotAnswered() {
        engine.onPacket(B, Packet.newBuilder().setSenderId("b").setPing(Ping.newBuilder().setSeq(1).setTargetId("z"))
                .build(), 0);
        assertThat(sent).isEmpty();
    }

    @Test
    void unansweredProbeLeadsToSuspicionThenDeath() {
        engine.start(0);
        gossip(0, alive("b", 1, ""));
        long t = 0;
        while (engine.stateOf("b") != MemberState.DEAD && t < 60_000 * MS) {
            t += 10 * MS;
            engine.onTick(t);
        }
        assertThat(engine.stateOf("b")).isEqualTo(MemberState.DEAD);
        // probe (<= 1 s) + one interval + suspicion (2 s minimum: nobody else can confirm)
        assertThat(t).isBetween(2_000 * MS, 4_100 * MS);
        assertThat(events).containsExactly("b:null->ALIVE", "b:ALIVE->SUSPECT", "b:SUSPECT->DEAD");
    }

    @Test
    void tombstonesAreForgottenAfterTheirTtl() {
        engine.start(0);
        gossip(0, of(MemberStatus.DEAD, "ghost", 3, "c"));
        assertThat(engine.stateOf("ghost")).isEqualTo(MemberState.DEAD);
        long ttl = SwimSettings.defaults().tombstoneTtl().toNanos();
        for (long t = 0; t <= ttl + 2_000 * MS; t += 500 * MS) {
            engine.onTick(t);
        }
        assertThat(engine.stateOf("ghost")).isNull();
    }
}
