package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BroadcastQueueTest {
    private static MemberUpdate u(String id, int recordBytes) {
        return MemberUpdate.newBuilder().setStatus(MemberStatus.ALIVE).setMemberId(id)
                .setRecord(ByteString.copyFrom(new byte[recordBytes])).build();
    }

    @Property(tries = 200)
    void neverExceedsTheBudgetAndStopsAfterTheLimit(@ForAll @IntRange(min = 1, max = 60) int items,
                                                    @ForAll @IntRange(min = 0, max = 900) int recordBytes,
                                                    @ForAll @IntRange(min = 50, max = 1400) int budget,
                                                    @ForAll @IntRange(min = 1, max = 10) int limit) {
        BroadcastQueue q = new BroadcastQueue();
        for (int i = 0; i < items; i++) {
            q.enqueue(u("m" + i, (recordBytes * (i + 1)) % 901));
        }
        int rounds = 0;
        while (!q.isEmpty() && rounds++ < items * limit + 5) {
            List<MemberUpdate> got = q.take(budget, limit);
            int used = got.stream().mapToInt(x -> x.getSerializedSize() + 3).sum();
            assertThat(used).isLessThanOrEqualTo(budget);
            if (got.isEmpty()) {
                break; // what is left does not fit this budget at all
            }
        }
        // everything that fits is eventually sent exactly `limit` times and then forgotten
        for (int i = 0; i < items; i++) {
            if (u("m" + i, (recordBytes * (i + 1)) % 901).getSerializedSize() + 3 <= budget) {
                assertThat(q.transmits("m" + i)).isEqualTo(-1);
            }
        }
    }

    @Test
    void newerUpdateAboutTheSameMemberReplacesTheOlder() {
        BroadcastQueue q = new BroadcastQueue();
        q.enqueue(u("a", 1));
        q.take(1000, 5);
        q.enqueue(MemberUpdate.newBuilder().setStatus(MemberStatus.DEAD).setMemberId("a").build());
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.transmits("a")).isZero();
        assertThat(q.take(1000, 5)).extracting(MemberUpdate::getStatus).containsExactly(MemberStatus.DEAD);
    }
}
