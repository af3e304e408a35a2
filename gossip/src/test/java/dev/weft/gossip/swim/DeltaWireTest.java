package dev.weft.gossip.swim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.wire.Keyring;
import dev.weft.gossip.wire.Opener;
import dev.weft.gossip.wire.ReplayGuard;
import dev.weft.gossip.wire.Sealer;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The channel delta messages: pinned encoding, round trips, limits, and garbage that only moves counters. */
class DeltaWireTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_764_000_000_000L), ZoneOffset.UTC);
    private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.2", 6770);

    private static ChannelDelta sample() {
        return ChannelDelta.newBuilder()
                .setChannel("ring")
                .setOriginId(PeerId.of(0xb).toString())
                .setEpoch(1)
                .setSeq(2)
                .setDelta(ByteString.copyFromUtf8("d"))
                .build();
    }

    private static String ascii(String s) {
        return HEX.formatHex(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Field numbers are pinned: 21 (repeated deltas) and 17 (delta body of a stream); never renumbered. */
    @Test
    void goldenBytes() {
        String delta = "0a0472696e67" + "1210" + ascii("000000000000000b") + "190100000000000000" + "2002" + "2a0164";
        Packet piggy = Packet.newBuilder()
                .setSenderId(PeerId.of(0xa).toString())
                .addDeltas(sample())
                .build();
        assertThat(HEX.formatHex(piggy.toByteArray())).isEqualTo("1210" + ascii("000000000000000a") + "aa0126" + delta);
        Packet stream = Packet.newBuilder()
                .setSenderId(PeerId.of(0xa).toString())
                .setDelta(sample())
                .build();
        assertThat(HEX.formatHex(stream.toByteArray()))
                .isEqualTo("1210" + ascii("000000000000000a") + "8a0126" + delta);
    }

    @Property(tries = 200)
    void sealOpenRoundTrip(
            @ForAll @StringLength(min = 1, max = 64) String channel,
            @ForAll long epoch,
            @ForAll long seq,
            @ForAll @Size(max = 900) byte[] body,
            @ForAll boolean secret) {
        Keyring kr = secret ? Keyring.withSecrets("p", List.of(new byte[32])) : Keyring.withoutSecret("p");
        ChannelDelta d = ChannelDelta.newBuilder()
                .setChannel(channel)
                .setOriginId(PeerId.of(7).toString())
                .setEpoch(epoch)
                .setSeq(seq)
                .setDelta(ByteString.copyFrom(body))
                .build();
        Packet p = Packet.newBuilder()
                .setSenderId(PeerId.of(9).toString())
                .addDeltas(d)
                .build();
        byte[] sealed = Sealer.create(kr, CLOCK, new SecureRandom()).seal(p, 1 << 20);
        Packet back = new Opener(kr, CLOCK, new ReplayGuard(60_000, 16), new WireCounters()).open(sealed, 1 << 20);
        assertThat(back.getDeltasList()).containsExactly(d);
    }

    /** What the engine piggybacks always fits the datagram cap, with the largest piggybacked delta it allows. */
    @Test
    void largestPiggybackedDeltaFitsADatagramWithAFullPing() throws Exception {
        List<Packet> sent = new ArrayList<>();
        SwimOutput out = new SwimOutput() {
            @Override
            public void send(InetSocketAddress to, Packet packet) {
                sent.add(packet);
            }

            @Override
            public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {}
        };
        SwimSettings s = SwimSettings.defaults();
        SwimEngine e = new SwimEngine(PeerId.of(1), FROM, 1, s, new Random(3), out, new WireCounters());
        e.registerChannel("ring", new Noop());
        e.start(0);
        e.onPacket(
                FROM,
                Packet.newBuilder()
                        .setSenderId(PeerId.of(2).toString())
                        .addGossip(Signed.alive(MemberUpdate.newBuilder()
                                .setStatus(MemberStatus.ALIVE)
                                .setMemberId(PeerId.of(2).toString())
                                .setIncarnation(1)
                                .setAddress(Endpoints.toWire(FROM))
                                .setRecord(ByteString.copyFrom(new byte[1024]))))
                        .build(),
                0);
        int overhead = ChannelDelta.newBuilder()
                        .setChannel("ring")
                        .setOriginId(PeerId.of(1).toString())
                        .setEpoch(-1)
                        .setSeq(1)
                        .setSignature(ByteString.copyFrom(new byte[64]))
                        .build()
                        .getSerializedSize()
                + 3;
        int room = 1400 - dev.weft.gossip.wire.Envelope.OVERHEAD - 11 - 256; // Dissemination.maxPiggybackedDelta
        for (int size : new int[] {room - overhead - 3, room - overhead}) {
            e.publishDelta("ring", new byte[size]);
        }
        for (long t = 0; t < 5_000_000_000L; t += 10_000_000L) {
            e.onTick(t);
        }
        assertThat(sent).isNotEmpty();
        Keyring kr = Keyring.withoutSecret("p");
        for (Packet p : sent) {
            Sealer.create(kr, CLOCK, new SecureRandom()).seal(p, s.maxUdpPayload()); // throws if over the cap
        }
        assertThat(sent.stream().mapToInt(Packet::getDeltasCount).sum()).isPositive();
    }

    /** Arbitrary delta fields never throw out of the engine: each is delivered, ignored as a duplicate, or counted. */
    @Property(tries = 300)
    void garbageDeltasOnlyMoveCounters(
            @ForAll @StringLength(max = 80) String channel,
            @ForAll @StringLength(max = 20) String origin,
            @ForAll long epoch,
            @ForAll long seq,
            @ForAll @Size(max = 300) byte[] body) {
        WireCounters c = new WireCounters();
        SwimOutput out = new SwimOutput() {
            @Override
            public void send(InetSocketAddress to, Packet packet) {}

            @Override
            public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {}
        };
        SwimEngine e = new SwimEngine(PeerId.of(1), FROM, 1, SwimSettings.defaults(), new Random(1), out, c);
        Noop ch = new Noop();
        e.registerChannel("ring", ch);
        ChannelDelta d = ChannelDelta.newBuilder()
                .setChannel(channel)
                .setOriginId(origin)
                .setEpoch(epoch)
                .setSeq(seq)
                .setDelta(ByteString.copyFrom(body))
                .build();
        Packet p = Packet.newBuilder()
                .setSenderId(PeerId.of(2).toString())
                .addDeltas(d)
                .build();
        e.onPacket(FROM, p, 0);
        Packet reply = e.onStreamRequest(
                FROM,
                Packet.newBuilder()
                        .setSenderId(PeerId.of(2).toString())
                        .setDelta(d)
                        .build(),
                1);
        assertThat(reply.hasDone()).isTrue();
        boolean valid = PeerId.tryParse(origin).isPresent() && !channel.isEmpty() && channel.length() <= 64 && seq >= 1;
        if (!valid) {
            assertThat(c.snapshot().droppedTotal()).isEqualTo(2);
            assertThat(ch.deltas).isZero();
        } else {
            assertThat(ch.deltas).as("delivered at most once").isLessThanOrEqualTo(1);
        }
    }

    static final class Noop implements CrdtChannel {
        int deltas;

        @Override
        public byte[] localState() {
            return new byte[] {0};
        }

        @Override
        public void receive(PeerId from, byte[] state) {}

        @Override
        public void receiveDelta(PeerId from, byte[] delta) {
            deltas++;
        }
    }
}
