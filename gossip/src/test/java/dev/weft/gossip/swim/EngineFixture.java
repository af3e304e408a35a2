package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One engine driven by hand, as the hostile-input tests use it ({@code HostileRecordTest}, {@code HostileDeltaTest},
 * {@code IncarnationBoundTest}, {@code KeylessRelayTest}): default settings, a fixed random seed, an output that
 * delivers nothing but records what was sent and the membership events, drop counters to assert on, and the time
 * passed in by the test (plain numbers: nothing here depends on how far apart they are). Packets are built with
 * {@link #from} and updates with {@link #alive}.
 */
final class EngineFixture {
    /** The engine under test, a well-behaved member and a compromised one (addresses from DESIGN §10). */
    static final InetSocketAddress A = new InetSocketAddress("192.0.2.1", 6770);

    static final InetSocketAddress B = new InetSocketAddress("192.0.2.2", 6770);
    static final InetSocketAddress ROGUE = new InetSocketAddress("192.0.2.66", 6770);

    final WireCounters counters = new WireCounters();
    /** Every memberChanged and recordChanged the engines of this fixture reported, in order. */
    final List<MemberView> changes = new ArrayList<>();
    /** Every datagram the engines of this fixture sent (none is delivered). */
    final List<Packet> sent = new ArrayList<>();

    final SwimOutput out = new SwimOutput() {
        @Override
        public void send(InetSocketAddress to, Packet packet) {
            sent.add(packet);
        }

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {}

        @Override
        public void memberChanged(MemberView member, MemberState previous) {
            changes.add(member);
        }

        @Override
        public void recordChanged(MemberView member) {
            changes.add(member);
        }
    };

    /** An engine at {@link #A} with {@code keys} (its id is {@code keys.self()}), counting into {@link #counters}. */
    SwimEngine engine(PeerKeys keys, long incarnation, long randomSeed) {
        return new SwimEngine(
                keys.self(), A, incarnation, SwimSettings.defaults(), new Random(randomSeed), out, counters, keys);
    }

    /** An engine at {@link #A} built with the id-only constructor (its key is drawn from the id: {@link Signed}). */
    SwimEngine engine(PeerId id, long incarnation) {
        return new SwimEngine(id, A, incarnation, SwimSettings.defaults(), new Random(1), out, counters);
    }

    /** An unsigned ALIVE update (sign it with {@link Signed}). */
    static MemberUpdate.Builder alive(PeerId id, long inc, InetSocketAddress at, String record) {
        return MemberUpdate.newBuilder()
                .setStatus(MemberStatus.ALIVE)
                .setMemberId(id.toString())
                .setIncarnation(inc)
                .setAddress(Endpoints.toWire(at))
                .setRecord(ByteString.copyFromUtf8(record));
    }

    /** A datagram from {@code sender} carrying {@code updates} as gossip. */
    static Packet from(PeerId sender, MemberUpdate... updates) {
        return Packet.newBuilder()
                .setSenderId(sender.toString())
                .addAllGossip(List.of(updates))
                .build();
    }
}
