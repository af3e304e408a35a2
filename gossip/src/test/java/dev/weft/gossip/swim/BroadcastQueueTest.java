package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.id.PeerId;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BroadcastQueueTest {
    private static String id(int i) {
        return PeerId.of(i + 1).toString();
    }

    private static BroadcastQueue<String, MemberUpdate> queue() {
        return new BroadcastQueue<>(MemberUpdate::getMemberId);
    }

    private static MemberUpdate u(String id, int recordBytes) {
        return MemberUpdate.newBuilder()
                .setStatus(MemberStatus.ALIVE)
                .setMemberId(id)
                .setRecord(ByteString.copyFrom(new byte[recordBytes]))
                .build();
    }

    @Property(tries = 200)
    void neverExceedsTheBudgetAndStopsAfterTheLimit(
            @ForAll @IntRange(min = 1, max = 60) int items,
            @ForAll @IntRange(min = 0, max = 900) int recordBytes,
            @ForAll @IntRange(min = 50, max = 1400) int budget,
            @ForAll @IntRange(min = 1, max = 10) int limit) {
        BroadcastQueue<String, MemberUpdate> q = queue();
        for (int i = 0; i < items; i++) {
            q.enqueue(u(id(i), (recordBytes * (i + 1)) % 901));
        }
        int rounds = 0;
        while (!q.isEmpty() && rounds++ < items * limit + 5) {
            List<MemberUpdate> got = q.take(budget, limit);
            int used = got.stream()
                    .mapToInt(x -> BroadcastQueue.cost(x.getSerializedSize()))
                    .sum();
            assertThat(used).isLessThanOrEqualTo(budget);
            if (got.isEmpty()) {
                break; // what is left does not fit this budget at all
            }
        }
        // everything that fits is eventually sent exactly `limit` times and then forgotten
        for (int i = 0; i < items; i++) {
            if (BroadcastQueue.cost(u(id(i), (recordBytes * (i + 1)) % 901).getSerializedSize()) <= budget) {
                assertThat(q.transmits(id(i))).isEqualTo(-1);
            }
        }
    }

    @Test
    void newerUpdateAboutTheSameMemberReplacesTheOlder() {
        BroadcastQueue<String, MemberUpdate> q = queue();
        q.enqueue(u("a", 1));
        q.take(1000, 5);
        q.enqueue(MemberUpdate.newBuilder()
                .setStatus(MemberStatus.DEAD)
                .setMemberId("a")
                .build());
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.transmits("a")).isZero();
        assertThat(q.take(1000, 5)).extracting(MemberUpdate::getStatus).containsExactly(MemberStatus.DEAD);
    }

    @Property(tries = 100)
    void costIsExactlyWhatTheItemAddsToAPacket(@ForAll @IntRange(min = 0, max = 1300) int recordBytes) {
        MemberUpdate u = u(id(1), recordBytes);
        dev.weft.gossip.wire.proto.Packet empty = dev.weft.gossip.wire.proto.Packet.newBuilder()
                .setSenderId(id(2))
                .build();
        assertThat(empty.toBuilder().addGossip(u).build().getSerializedSize() - empty.getSerializedSize())
                .isEqualTo(BroadcastQueue.cost(u.getSerializedSize()));
    }
}
