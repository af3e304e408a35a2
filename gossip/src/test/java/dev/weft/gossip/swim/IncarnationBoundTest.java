package dev.weft.gossip.swim;

import static dev.weft.gossip.sim.SimNetwork.MS;
import static dev.weft.gossip.sim.SimNetwork.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.GossipListener;
import dev.weft.gossip.sim.SimMember;
import dev.weft.gossip.sim.SimNetwork;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 2: a member (even an authenticated, compromised one) cannot move another member's incarnation
 * by more than {@link MembershipRules#MAX_INCARNATION_STEP}, and refutation saturates instead of wrapping.
 */
class IncarnationBoundTest {
    private static final long STEP = MembershipRules.MAX_INCARNATION_STEP;
    private static final InetSocketAddress B = EngineFixture.B;
    private static final InetSocketAddress ROGUE = EngineFixture.ROGUE;
    private static final PeerId A_ID = PeerId.of(0xa);
    private static final PeerId B_ID = PeerId.of(0xb);
    private static final PeerId X_ID = PeerId.of(0x99);

    private final EngineFixture fx = new EngineFixture();
    private final WireCounters counters = fx.counters;

    private SwimEngine engine(long incarnation) {
        return fx.engine(A_ID, incarnation);
    }

    private static MemberUpdate alive(PeerId id, long inc, InetSocketAddress addr, String record) {
        return Signed.alive(EngineFixture.alive(id, inc, addr, record));
    }

    private static MemberUpdate accuse(MemberStatus s, PeerId id, long inc, PeerId from) {
        return MemberUpdate.newBuilder()
                .setStatus(s)
                .setMemberId(id.toString())
                .setIncarnation(inc)
                .setFromId(from.toString())
                .build();
    }

    private static Packet from(PeerId sender, MemberUpdate... u) {
        return EngineFixture.from(sender, u);
    }

    private long jumps() {
        return counters.dropped(DropReason.INCARNATION_JUMP);
    }

    @Test
    void aliveAtMaxValueForAKnownMemberIsRefusedAndChangesNothing() {
        SwimEngine e = engine(1);
        e.onPacket(B, from(B_ID, alive(B_ID, 7, B, "rec-b")), 0);
        e.onPacket(ROGUE, from(X_ID, alive(B_ID, Long.MAX_VALUE, ROGUE, "hijacked")), 1);
        MemberView b = e.member(B_ID);
        assertThat(b.incarnation()).isEqualTo(7);
        assertThat(b.address()).isEqualTo(B);
        assertThat(new String(b.record(), StandardCharsets.UTF_8)).isEqualTo("rec-b");
        assertThat(jumps()).isEqualTo(1);
    }

    @Test
    void theBoundIsExactlyOneStepAboveWhatWeKnow() {
        SwimEngine e = engine(1);
        e.onPacket(B, from(B_ID, alive(B_ID, 7, B, "r")), 0);
        e.onPacket(B, from(B_ID, alive(B_ID, 7 + STEP + 1, B, "too far")), 1);
        assertThat(e.member(B_ID).incarnation()).isEqualTo(7);
        assertThat(jumps()).isEqualTo(1);
        e.onPacket(B, from(B_ID, alive(B_ID, 7 + STEP, B, "one step")), 2);
        assertThat(e.member(B_ID).incarnation()).isEqualTo(7 + STEP);
        assertThat(jumps()).isEqualTo(1);
    }

    @Test
    void suspectAndDeadWithAHugeIncarnationAreRefused() {
        SwimEngine e = engine(1);
        e.onPacket(B, from(B_ID, alive(B_ID, 3, B, "r")), 0);
        e.onPacket(ROGUE, from(X_ID, accuse(MemberStatus.SUSPECT, B_ID, Long.MAX_VALUE, X_ID)), 1);
        e.onPacket(ROGUE, from(X_ID, accuse(MemberStatus.DEAD, B_ID, 3 + STEP + 1, X_ID)), 2);
        e.onPacket(ROGUE, from(X_ID, accuse(MemberStatus.LEFT, B_ID, 1L << 62, B_ID)), 3);
        assertThat(e.stateOf(B_ID)).isEqualTo(MemberState.ALIVE);
        assertThat(e.member(B_ID).incarnation()).isEqualTo(3);
        assertThat(jumps()).isEqualTo(3);
    }

    @Test
    void uint64ValuesAboveLongMaxAreRefused() {
        SwimEngine e = engine(1);
        e.onPacket(B, from(B_ID, alive(B_ID, 3, B, "r")), 0);
        e.onPacket(ROGUE, from(X_ID, alive(B_ID, -1L, ROGUE, "2^64-1 on the wire")), 1);
        e.onPacket(ROGUE, from(X_ID, accuse(MemberStatus.DEAD, PeerId.of(0x77), Long.MIN_VALUE, X_ID)), 2);
        assertThat(e.member(B_ID).incarnation()).isEqualTo(3);
        assertThat(e.stateOf(PeerId.of(0x77))).isNull();
        assertThat(jumps()).isEqualTo(2);
    }

    @Test
    void firstSightIsBoundedByTheCeiling() {
        SwimEngine e = engine(1);
        PeerId c = PeerId.of(0xc);
        PeerId d = PeerId.of(0xd);
        e.onPacket(B, from(B_ID, alive(c, MembershipRules.MAX_FIRST_INCARNATION, B, "")), 0);
        e.onPacket(B, from(B_ID, alive(d, MembershipRules.MAX_FIRST_INCARNATION + 1, B, "")), 1);
        assertThat(e.stateOf(c)).isEqualTo(MemberState.ALIVE);
        assertThat(e.stateOf(d)).isNull();
        assertThat(jumps()).isEqualTo(1);
    }

    @Test
    void aHugeAccusationOfOurselvesIsRefusedNotRefuted() {
        SwimEngine e = engine(5);
        e.onPacket(ROGUE, from(X_ID, accuse(MemberStatus.SUSPECT, A_ID, Long.MAX_VALUE, X_ID)), 0);
        e.onPacket(ROGUE, from(X_ID, alive(A_ID, Long.MAX_VALUE - 1, ROGUE, "me?")), 1);
        assertThat(e.incarnation())
                .as("refuting would make our own ALIVE a jump everyone else refuses")
                .isEqualTo(5);
        assertThat(jumps()).isEqualTo(2);
        e.onPacket(B, from(B_ID, accuse(MemberStatus.SUSPECT, A_ID, 9, B_ID)), 2);
        assertThat(e.incarnation())
                .as("a plausible accusation is still refuted")
                .isEqualTo(10);
    }

    @Test
    void refutationAndRecordChangesSaturateInsteadOfWrapping() {
        SwimEngine e = engine(Long.MAX_VALUE - 1);
        e.onPacket(B, from(B_ID, accuse(MemberStatus.SUSPECT, A_ID, Long.MAX_VALUE - 1, B_ID)), 0);
        assertThat(e.incarnation()).isEqualTo(Long.MAX_VALUE);
        e.onPacket(B, from(B_ID, accuse(MemberStatus.SUSPECT, A_ID, Long.MAX_VALUE, B_ID)), 1);
        assertThat(e.incarnation()).as("no wrap to Long.MIN_VALUE").isEqualTo(Long.MAX_VALUE);
        e.setRecord(new byte[] {1});
        assertThat(e.incarnation()).isEqualTo(Long.MAX_VALUE);
        assertThat(LocalMember.next(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(LocalMember.next(41)).isEqualTo(42);
    }

    /**
     * The attack from issue 13 in a running cluster: compromised member M (authenticated, so its packets reach
     * the engines) gossips and push-pulls ALIVE/SUSPECT/DEAD for victim V at 2^63-1 with its own address. Every
     * member keeps V alive at V's own address, record and incarnation, and V never has to refute.
     */
    @Test
    void aCompromisedMemberCannotHijackAVictimInASimulatedCluster() {
        SimNetwork net = new SimNetwork(13);
        SwimSettings s = SwimSettings.defaults();
        GossipListener quiet = new GossipListener() {};
        SimMember a = net.add(PeerId.of(0xa1), s, bytes("rec-a"), quiet);
        SimMember b = net.add(PeerId.of(0xb2), s, bytes("rec-b"), quiet);
        SimMember v = net.add(PeerId.of(0x71c), s, bytes("rec-v"), quiet);
        SimMember m = net.add(PeerId.of(0xbad), s, bytes("rec-m"), quiet);
        net.join(b.id(), a.id());
        net.join(v.id(), a.id());
        net.join(m.id(), a.id());
        assertThat(net.runUntil(net::converged, 10 * SECOND, 10 * MS)).isNotNegative();
        long vInc = v.engine().incarnation();

        MemberUpdate hijack = alive(v.id(), Long.MAX_VALUE, m.address(), "rec-m-as-v");
        for (SimMember target : List.of(a, b)) {
            target.engine().onPacket(m.address(), from(m.id(), hijack), net.now());
            target.engine()
                    .onPacket(
                            m.address(),
                            from(m.id(), accuse(MemberStatus.SUSPECT, v.id(), Long.MAX_VALUE, m.id())),
                            net.now());
            target.engine()
                    .onStreamRequest(
                            m.address(),
                            Packet.newBuilder()
                                    .setSenderId(m.id().toString())
                                    .setPushPull(PushPull.newBuilder()
                                            .addMembers(hijack)
                                            .addMembers(accuse(MemberStatus.DEAD, v.id(), Long.MAX_VALUE, m.id())))
                                    .build(),
                            net.now());
        }
        v.engine().onPacket(m.address(), from(m.id(), hijack), net.now());
        net.runFor(20 * SECOND);

        for (SimMember x : List.of(a, b, m)) {
            MemberView seen = x.engine().member(v.id());
            assertThat(seen.state()).as("%s sees the victim", x.id()).isEqualTo(MemberState.ALIVE);
            assertThat(seen.address()).isEqualTo(v.address());
            assertThat(new String(seen.record(), StandardCharsets.UTF_8)).isEqualTo("rec-v");
            assertThat(seen.incarnation()).isEqualTo(vInc);
        }
        assertThat(v.engine().incarnation()).isEqualTo(vInc);
        assertThat(a.counters().dropped(DropReason.INCARNATION_JUMP)).isEqualTo(4);
        assertThat(b.counters().dropped(DropReason.INCARNATION_JUMP)).isEqualTo(4);
        assertThat(v.counters().dropped(DropReason.INCARNATION_JUMP)).isEqualTo(1);
        assertThat(net.falseDeaths()).isZero();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
