package dev.weft.gossip.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

class WirePropertiesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    @Property(tries = 200)
    void sealOpenRoundTrip(
            @ForAll @StringLength(min = 1, max = 40) String sender,
            @ForAll @Size(max = 8) List<@StringLength(min = 1, max = 20) String> ids,
            @ForAll byte[] record,
            @ForAll boolean secret) {
        Keyring kr = secret ? Keyring.withSecrets("p", List.of(new byte[32])) : Keyring.withoutSecret("p");
        Packet.Builder b = Packet.newBuilder().setSenderId(sender);
        for (String id : ids) {
            b.addGossip(MemberUpdate.newBuilder()
                    .setStatus(MemberStatus.ALIVE)
                    .setMemberId(id)
                    .setRecord(ByteString.copyFrom(record, 0, Math.min(record.length, 64))));
        }
        Packet p = b.build();
        byte[] sealed = Sealer.create(kr, CLOCK, new SecureRandom()).seal(p, 1 << 20);
        Packet back = new Opener(kr, CLOCK, new ReplayGuard(60_000, 16), new WireCounters()).open(sealed, 1 << 20);
        assertThat(back).isEqualTo(p.toBuilder().setSentAtMillis(CLOCK.millis()).build());
    }

    @Property(tries = 200)
    void replayGuardAcceptsEachCounterAtMostOnce(
            @ForAll @Size(max = 300) List<@IntRange(max = 3000) Integer> counters) {
        ReplayGuard g = new ReplayGuard(60_000, 16);
        Set<Integer> accepted = new HashSet<>();
        for (int c : counters) {
            if (g.accept(1, c, 0, 0) == ReplayGuard.Verdict.FRESH) {
                assertThat(accepted.add(c)).as("counter %d accepted twice", c).isTrue();
            }
        }
    }

    @Property(tries = 300)
    void openerNeverThrowsOnArbitraryBytes(@ForAll byte[] data) {
        WireCounters wc = new WireCounters();
        Opener op = new Opener(Keyring.withoutSecret("p"), CLOCK, new ReplayGuard(60_000, 16), wc);
        assertThat(op.open(data, 1400)).isNull();
        assertThat(wc.snapshot().droppedTotal()).isEqualTo(1);
    }
}
