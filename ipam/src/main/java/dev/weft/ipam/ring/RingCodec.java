package dev.weft.ipam.ring;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.InvalidAddressException;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.proto.RingEntryMsg;
import dev.weft.ipam.proto.RingMsg;
import dev.weft.ipam.proto.TombstoneMsg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ring <-> bytes ({@code RingMsg} of {@code weft/ipam/v1/ipam.proto}). Decoding checks the format
 * version, the size limits and every ring invariant; anything wrong is a {@link
 * RingDecodeException} or {@link RingInvariantException}, never a partially applied ring.
 */
public final class RingCodec {
    public static final int FORMAT_MIN = 1;
    public static final int FORMAT_MAX = 1;
    /** Largest encoded ring accepted (a /12 split into 64-address blocks is ~16k entries, ~0.5 MiB). */
    public static final int MAX_BYTES = 8 << 20;

    public static final int MAX_ENTRIES = 1 << 20;
    public static final int MAX_TOMBSTONES = 1 << 17;

    private RingCodec() {}

    public static byte[] encode(Ring ring) {
        return toMessage(ring).toByteArray();
    }

    public static RingMsg toMessage(Ring ring) {
        RingMsg.Builder b = RingMsg.newBuilder()
                .setFormatVersion(FORMAT_MAX)
                .setRangeNetwork(
                        ByteString.copyFrom(ring.config().range().network().bytes()))
                .setRangePrefix(ring.config().range().prefixLength())
                .setMinBlock(ring.config().minBlock())
                .setGenesis(ring.genesis().id());
        for (RingEntry e : ring.entryArray()) {
            b.addEntries(entryMsg(e));
        }
        for (Map.Entry<Long, Long> t : ring.tombstones().entrySet()) {
            b.addTombstones(tombstoneMsg(t));
        }
        return b.build();
    }

    public static Ring decode(byte[] bytes) {
        checkSize(bytes, "ring");
        try {
            return fromMessage(RingMsg.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new RingDecodeException("malformed ring message: " + e.getMessage());
        }
    }

    public static Ring fromMessage(RingMsg m) {
        checkHeader("ring", m.getFormatVersion(), m.getEntriesCount(), m.getTombstonesCount());
        RingConfig config = config(m.getRangeNetwork(), m.getRangePrefix(), m.getMinBlock());
        RingGenesis genesis = genesis(m.getGenesis());
        return Ring.of(config, genesis, entries(config, m.getEntriesList()), tombstones(m.getTombstonesList()));
    }

    // ------------------------------------------------------------------ shared with RingDeltaCodec

    static RingEntryMsg entryMsg(RingEntry e) {
        return RingEntryMsg.newBuilder()
                .setToken(ByteString.copyFrom(e.token().bytes()))
                .setOwner(e.owner())
                .setVersion(e.version())
                .setFree(e.free())
                .build();
    }

    static TombstoneMsg tombstoneMsg(Map.Entry<Long, Long> t) {
        return TombstoneMsg.newBuilder()
                .setRemovedPeer(t.getKey())
                .setReclaimedBy(t.getValue())
                .build();
    }

    static void checkSize(byte[] bytes, String what) {
        if (bytes == null || bytes.length == 0) {
            throw new RingDecodeException("empty " + what + " message");
        }
        if (bytes.length > MAX_BYTES) {
            throw new RingDecodeException(
                    what + " message of " + bytes.length + " bytes exceeds the limit of " + MAX_BYTES);
        }
    }

    static void checkHeader(String what, int formatVersion, int entries, int tombstones) {
        if (formatVersion < FORMAT_MIN || formatVersion > FORMAT_MAX) {
            throw new RingDecodeException(what + " format version " + formatVersion + " not in supported range "
                    + FORMAT_MIN + ".." + FORMAT_MAX + " (upgrade the older agents)");
        }
        if (entries > MAX_ENTRIES || tombstones > MAX_TOMBSTONES) {
            throw new RingDecodeException(
                    what + " message too large: " + entries + " entries, " + tombstones + " tombstones");
        }
    }

    static RingConfig config(ByteString network, int prefix, int minBlock) {
        try {
            IpAddress net = IpAddress.ofBytes(network.toByteArray());
            return new RingConfig(Cidr.of(net, prefix), minBlock);
        } catch (IllegalArgumentException e) {
            throw new RingDecodeException("bad ring header: " + e.getMessage());
        }
    }

    static RingGenesis genesis(String id) {
        try {
            return new RingGenesis(id);
        } catch (IllegalArgumentException e) {
            throw new RingDecodeException("bad ring header: " + e.getMessage());
        }
    }

    static List<RingEntry> entries(RingConfig config, List<RingEntryMsg> msgs) {
        List<RingEntry> entries = new ArrayList<>(msgs.size());
        for (RingEntryMsg e : msgs) {
            try {
                IpAddress token = IpAddress.ofBytes(e.getToken().toByteArray());
                if (!token.sameFamily(config.range().network())) {
                    throw new RingDecodeException("token " + token + " is not in the family of " + config.range());
                }
                entries.add(new RingEntry(token, e.getOwner(), e.getVersion(), e.getFree()));
            } catch (InvalidAddressException ex) {
                throw new RingDecodeException("bad ring token: " + ex.getMessage());
            } catch (IllegalArgumentException ex) {
                throw new RingDecodeException("bad ring entry: " + ex.getMessage());
            }
        }
        return entries;
    }

    static Map<Long, Long> tombstones(List<TombstoneMsg> msgs) {
        Map<Long, Long> tombs = new TreeMap<>();
        for (TombstoneMsg t : msgs) {
            Long prev = tombs.put(t.getRemovedPeer(), t.getReclaimedBy());
            if (prev != null && prev != t.getReclaimedBy()) {
                throw new RingDecodeException("duplicate tombstone for peer " + hex(t.getRemovedPeer()));
            }
        }
        return tombs;
    }

    /** A peer id for messages; tolerates 0 (shown as 16 zeros) since decoded input is not trusted yet. */
    static String hex(long peer) {
        return peer == 0 ? "0000000000000000" : PeerId.of(peer).toString();
    }
}
