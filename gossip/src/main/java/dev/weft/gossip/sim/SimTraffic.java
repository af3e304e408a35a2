package dev.weft.gossip.sim;

import com.google.protobuf.CodedOutputStream;
import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bytes sent in a {@link SimNetwork}, split by what they carry: so a cost can be traced to a message kind (push-pull
 * member lists, piggybacked ALIVE keys and signatures...) instead of guessed. Every byte of a packet as counted in
 * {@link SimMember#bytesSent()} lands in exactly one kind; the kinds are {@code udp.} or {@code tcp.} followed by:
 * {@code envelope} (envelope, stream length prefix, sender id, timestamp), {@code body.<case>} (the body other than
 * member lists: ping, ack, ping-req, channel state...), {@code gossip.<status>} and {@code pushpull.<status>} (member
 * updates piggybacked or in a push-pull member list, without the parts below), {@code <where>.alive.key},
 * {@code <where>.alive.sig}, {@code <where>.from_id}, {@code deltas} (piggybacked channel deltas).
 */
public final class SimTraffic {
    private final Map<String, Long> bytes = new TreeMap<>();

    /** Counts one packet as it leaves ({@code stream}: a stream request or reply, with its 4-byte length prefix). */
    void count(Packet p, boolean stream) {
        String net = stream ? "tcp." : "udp.";
        int total = p.getSerializedSize() + Envelope.OVERHEAD + (stream ? 4 : 0);
        int accounted = 0;
        for (MemberUpdate u : p.getGossipList()) {
            accounted += update(net + "gossip", u, 20);
        }
        for (ChannelDelta d : p.getDeltasList()) {
            int c = field(21, d.getSerializedSize());
            add(net + "deltas", c);
            accounted += c;
        }
        if (p.hasPushPull()) {
            for (MemberUpdate u : p.getPushPull().getMembersList()) {
                accounted += update(net + "pushpull", u, 2);
            }
            int channels = 0;
            for (var c : p.getPushPull().getChannelsList()) {
                channels += field(3, c.getSerializedSize());
            }
            add(net + "body.push_pull.channels", channels);
            accounted += channels;
        } else if (p.getBodyCase() != Packet.BodyCase.BODY_NOT_SET) {
            int body = bodySize(p);
            add(net + "body." + p.getBodyCase().name().toLowerCase(java.util.Locale.ROOT), body);
            accounted += body;
        }
        add(net + "envelope", total - accounted);
    }

    private int update(String where, MemberUpdate u, int fieldNumber) {
        int c = field(fieldNumber, u.getSerializedSize());
        int rest = c;
        if (!u.getPublicKey().isEmpty()) {
            int k = field(7, u.getPublicKey().size());
            add(where + ".alive.key", k);
            rest -= k;
        }
        if (!u.getSignature().isEmpty()) {
            int s = field(8, u.getSignature().size());
            add(where + ".alive.sig", s);
            rest -= s;
        }
        if (!u.getFromId().isEmpty()) {
            int f = CodedOutputStream.computeStringSize(6, u.getFromId());
            add(where + ".from_id", f);
            rest -= f;
        }
        add(where + "." + u.getStatus().name().toLowerCase(java.util.Locale.ROOT), rest);
        return c;
    }

    private static int bodySize(Packet p) {
        return switch (p.getBodyCase()) {
            case PING -> field(10, p.getPing().getSerializedSize());
            case ACK -> field(11, p.getAck().getSerializedSize());
            case PING_REQ -> field(12, p.getPingReq().getSerializedSize());
            case PUSH_PULL -> field(13, p.getPushPull().getSerializedSize());
            case CHANNEL_PUSH -> field(14, p.getChannelPush().getSerializedSize());
            case DIRECT -> field(15, p.getDirect().getSerializedSize());
            case DONE -> field(16, p.getDone().getSerializedSize());
            case DELTA -> field(17, p.getDelta().getSerializedSize());
            case BODY_NOT_SET -> 0;
        };
    }

    /** Bytes of a length-delimited field: tag, length varint, content. */
    private static int field(int number, int size) {
        return CodedOutputStream.computeTagSize(number) + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    private void add(String kind, long n) {
        bytes.merge(kind, n, Long::sum);
    }

    /** A copy of the counts so far (kind to bytes). */
    public Map<String, Long> snapshot() {
        return new TreeMap<>(bytes);
    }

    /** {@code later - earlier} per kind: the bytes sent between two snapshots. */
    public static Map<String, Long> between(Map<String, Long> earlier, Map<String, Long> later) {
        Map<String, Long> d = new TreeMap<>();
        later.forEach((k, v) -> d.put(k, v - earlier.getOrDefault(k, 0L)));
        return d;
    }

    /**
     * One line per kind: bytes per member per second over {@code seconds} and {@code members}, and the share of the
     * total, largest first.
     */
    public static String table(Map<String, Long> window, double seconds, int members) {
        long total = window.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-32s %12s %8s%n", "kind", "B/member/s", "share"));
        window.entrySet().stream()
                .filter(e -> e.getValue() != 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sb.append(String.format(
                        "%-32s %12.1f %7.1f%%%n",
                        e.getKey(), e.getValue() / seconds / members, 100.0 * e.getValue() / Math.max(1, total))));
        sb.append(String.format("%-32s %12.1f%n", "total", total / seconds / members));
        return sb.toString();
    }
}
