package dev.weft.gossip;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Drops are counted per packet and logged at most once per reason per minute, with the count and what to check. */
final class DropLog {
    private static final Logger log = LoggerFactory.getLogger(GossipNode.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final PeerId self;
    private final WireCounters counters;
    private final Map<DropReason, Long> droppedLogged = new EnumMap<>(DropReason.class);
    private final Map<DropReason, Long> loggedAt = new EnumMap<>(DropReason.class);

    DropLog(PeerId self, WireCounters counters) {
        this.self = self;
        this.counters = counters;
    }

    void check(long now) {
        WireCounters.Snapshot s = counters.snapshot();
        for (DropReason r : DropReason.values()) {
            long c = s.dropped(r);
            long before = droppedLogged.getOrDefault(r, 0L);
            Long at = loggedAt.get(r);
            if (c > before && (at == null || now - at >= INTERVAL_NANOS)) {
                droppedLogged.put(r, c);
                loggedAt.put(r, now);
                log.warn(
                        "gossip dropped {} packet(s) reason={} peer={}: {}",
                        c - before,
                        r.counterName(),
                        self,
                        hint(r));
            }
        }
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
            default -> "malformed or unexpected gossip input";
        };
    }
}
