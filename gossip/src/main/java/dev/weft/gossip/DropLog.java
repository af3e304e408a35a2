package dev.weft.gossip;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops are counted per packet (in {@link WireCounters}, exported by reason) and logged as at most one summary line
 * a minute, whatever the reasons and however many packets: the line lists each reason seen since the previous line
 * with its count and what to check. A flood of garbage therefore costs one log line a minute, never one per packet.
 * Time is passed in ({@link #check(long)}, monotonic nanoseconds), so a test drives it with a simulated clock.
 */
final class DropLog {
    private static final Logger log = LoggerFactory.getLogger(GossipNode.class);
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final PeerId self;
    private final WireCounters counters;
    private final Consumer<String> sink;
    private final Map<DropReason, Long> logged = new EnumMap<>(DropReason.class);
    private long loggedAt;
    private boolean everLogged;

    DropLog(PeerId self, WireCounters counters) {
        this(self, counters, log::warn);
    }

    /** With {@code sink} receiving each summary line (tests). */
    DropLog(PeerId self, WireCounters counters, Consumer<String> sink) {
        this.self = self;
        this.counters = counters;
        this.sink = sink;
    }

    /** Logs one summary of the drops since the last line, unless nothing was dropped or the last line is recent. */
    void check(long now) {
        if (everLogged && now - loggedAt < INTERVAL_NANOS) {
            return;
        }
        WireCounters.Snapshot s = counters.snapshot();
        StringBuilder line = new StringBuilder();
        long total = 0;
        for (DropReason r : DropReason.values()) {
            long c = s.dropped(r);
            long before = logged.getOrDefault(r, 0L);
            if (c > before) {
                total += c - before;
                line.append("; reason=")
                        .append(r.counterName())
                        .append(" count=")
                        .append(c - before)
                        .append(": ")
                        .append(hint(r));
                logged.put(r, c);
            }
        }
        if (total == 0) {
            return;
        }
        sink.accept("gossip dropped " + total + " packet(s) peer=" + self
                + (everLogged ? " in the last " + TimeUnit.NANOSECONDS.toSeconds(now - loggedAt) + " s" : "")
                + line
                + " (counted in weft_gossip_dropped_packets_total; logged at most once a minute)");
        loggedAt = now;
        everLogged = true;
    }

    static String hint(DropReason r) {
        return switch (r) {
            case FOREIGN_CLUSTER -> "gossip of another cluster name reaches this port; check cluster name and seeds";
            case UNKNOWN_KEY ->
                "a member uses a secret we do not have; check the cluster secret (when rotating, "
                        + "add the new secret everywhere before making it primary)";
            case SECURITY_MISMATCH ->
                "some members run with a cluster secret and some without; configure the same " + "secret everywhere";
            case AUTH_FAILED -> "packets failed authentication (corrupted or forged)";
            case STALE -> "sender clock differs by more than maxClockSkew, or old packets were replayed; check NTP";
            case REPLAYED -> "duplicate packets (a replay, or a duplicating network)";
            case CHANNEL_MERGE_FAILED ->
                "a channel rejected remote state or a delta as invalid; see the channel's " + "own log";
            case BAD_PEER_ID ->
                "a member sends ids that are not 16-hex-digit peer ids (an incompatible or broken "
                        + "agent version); check the versions of all agents";
            case INCARNATION_JUMP ->
                "a member gossips incarnations far above what we know (a compromised or broken member); "
                        + "find it by the peer that sends them and rmpeer it, then rotate the secret";
            case STREAM_LIMIT, STREAM_SOURCE_LIMIT ->
                "too many gossip TCP connections (from one address, or in all); a flood or a scan reaches "
                        + "port 6770: firewall it to node addresses";
            case STREAM_DEADLINE ->
                "gossip TCP exchanges did not finish within streamTimeout (slow senders, or connections "
                        + "held open on purpose)";
            case MEMBER_LIMIT ->
                "new members refused: the member table is full (10,000 live); a member may be inventing ids";
            case OVERSIZED -> "packets or frames larger than the caps (maxUdpPayload, maxStreamFrameBytes)";
            case BAD_MAGIC -> "traffic that is not Weft gossip reaches the gossip port (a scan, or another service)";
            case UNSIGNED_STATE, UNSIGNED_MESSAGE ->
                "full states or direct messages without their sender's signature (an agent from before signed full"
                        + " states; upgrade every node) or forged ones";
            case SENDER_KEY_UNKNOWN ->
                "signed full states or messages from a member whose signed record has not reached us yet (transient"
                        + " after a join; lasting: a member may send in another's name)";
            default -> "malformed or unexpected gossip input";
        };
    }
}
