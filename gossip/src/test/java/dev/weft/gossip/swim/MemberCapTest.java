package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Issue 13 item 3: ids a peer invents cannot grow the member table without bound. */
class MemberCapTest {
    private static final InetSocketAddress SELF = new InetSocketAddress("192.0.2.1", 6770);
    private static final InetSocketAddress ROGUE = new InetSocketAddress("192.0.2.66", 6770);
    private static final PeerId ROGUE_ID = PeerId.of(0xbad);
    private static final long BASE = 0x1_0000_0000L;

    private final WireCounters counters = new WireCounters();
    private final SwimEngine engine = new SwimEngine(
            PeerId.of(0xa),
            SELF,
            1,
            SwimSettings.defaults(),
            new Random(1),
            new SwimOutput() {
                @Override
                public void send(InetSocketAddress to, Packet packet) {}

                @Override
                public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {}

                @Override
                public void memberChanged(MemberView member, MemberState previous) {}

                @Override
                public void recordChanged(MemberView member) {}
            },
            counters);

    /** Invented members BASE+from .. BASE+to-1, 200 per packet, with the given status. */
    private void invent(long from, long to, MemberStatus status) {
        for (long i = from; i < to; i += 200) {
            Packet.Builder p = Packet.newBuilder().setSenderId(ROGUE_ID.toString());
            for (long j = i; j < Math.min(to, i + 200); j++) {
                MemberUpdate.Builder u = MemberUpdate.newBuilder()
                        .setStatus(status)
                        .setMemberId(PeerId.of(BASE + j).toString())
                        .setIncarnation(1)
                        .setFromId(ROGUE_ID.toString());
                if (status == MemberStatus.ALIVE) {
                    u.setAddress(Endpoints.toWire(ROGUE));
                    p.addGossip(Signed.alive(u)); // the rogue made a key per invented id: self-consistent
                } else {
                    p.addGossip(u);
                }
            }
            engine.onPacket(ROGUE, p.build(), 0);
        }
    }

    @Test
    void liveMembersAreCappedAndNewOnesBeyondTheCapAreRefused() {
        int cap = MemberTable.MAX_LIVE;
        invent(0, cap + 50, MemberStatus.ALIVE);
        assertThat(engine.liveMembers()).isEqualTo(cap);
        assertThat(counters.dropped(DropReason.MEMBER_LIMIT)).isEqualTo(50);
        assertThat(engine.stateOf(PeerId.of(BASE + cap - 1))).isEqualTo(MemberState.ALIVE);
        assertThat(engine.stateOf(PeerId.of(BASE + cap))).isNull();
    }

    @Test
    void tombstonesAreCappedOldestFirst() {
        int cap = MemberTable.MAX_TOMBSTONES;
        invent(0, cap + 7, MemberStatus.DEAD);
        assertThat(engine.members()).hasSize(cap);
        assertThat(engine.tombstonesEvicted()).isEqualTo(7);
        for (int i = 0; i < 7; i++) {
            assertThat(engine.stateOf(PeerId.of(BASE + i))).as("oldest evicted").isNull();
        }
        assertThat(engine.stateOf(PeerId.of(BASE + 7))).isEqualTo(MemberState.DEAD);
        assertThat(engine.stateOf(PeerId.of(BASE + cap + 6))).isEqualTo(MemberState.DEAD);
    }

    @Test
    void liveMembersThatDieAreTombstonesInTheSameCap() {
        int cap = MemberTable.MAX_TOMBSTONES;
        invent(0, 10, MemberStatus.ALIVE);
        invent(0, 10, MemberStatus.LEFT); // the ten live ones leave: the ten oldest tombstones
        invent(10, cap + 10, MemberStatus.DEAD);
        assertThat(engine.members()).hasSize(cap);
        assertThat(engine.stateOf(PeerId.of(BASE))).isNull();
        assertThat(engine.stateOf(PeerId.of(BASE + 10))).isEqualTo(MemberState.DEAD);
        assertThat(engine.liveMembers()).isZero();
    }
}
