package dev.weft.gossip.swim;

import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.Done;
import dev.weft.gossip.wire.proto.Packet;
import java.time.Duration;
import java.util.Random;

/**
 * What the engine's parts share: settings, randomness, the output, counters, this member, and each other. Built
 * once by {@link SwimEngine}; one thread. The parts are split by concern (failure detection, membership rules,
 * dissemination, anti-entropy, channels, deltas) and reach each other through here.
 */
final class EngineContext {
    final LocalMember self;
    final SwimSettings cfg;
    final Random random;
    final SwimOutput out;
    final WireCounters counters;
    final MemberTable table;
    /** Which key speaks for which member (records and deltas are verified against it). */
    final PeerKeys keys;

    Dissemination gossip;
    MembershipRules rules;
    FailureDetector detector;
    AntiEntropy antiEntropy;
    ChannelReplicator channels;
    DeltaReplicator deltas;

    EngineContext(
            LocalMember self, SwimSettings cfg, Random random, SwimOutput out, WireCounters counters, PeerKeys keys) {
        this.self = self;
        this.keys = keys;
        this.cfg = cfg;
        this.random = random;
        this.out = out;
        this.counters = counters;
        this.table = new MemberTable(self.id, random);
    }

    Packet.Builder packet() {
        return Packet.newBuilder().setSenderId(self.wireId);
    }

    Packet done(boolean accepted, String reason) {
        return packet().setDone(Done.newBuilder().setAccepted(accepted).setReason(reason))
                .build();
    }

    /** Members counted for the log-N formulas: the live others plus us. */
    int clusterSize() {
        return table.live() + 1;
    }

    long probeNanos() {
        return cfg.probeInterval().toNanos();
    }

    static long nanos(Duration d) {
        return d.toNanos();
    }
}
