package dev.weft.ipam.ring;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.ipam.proto.RingDeltaMsg;
import java.util.Map;

/**
 * RingDelta <-> bytes ({@code RingDeltaMsg} of {@code weft/ipam/v1/ipam.proto}). Same format
 * versions and size limits as {@link RingCodec} (a delta is a subset of a ring, so every delta of
 * a valid ring fits; a typical one, a donation or a claim, is 2-4 entries and about 150 bytes).
 * Anything wrong is a {@link RingDecodeException} or {@link RingInvariantException}.
 */
public final class RingDeltaCodec {
    public static final int FORMAT_MIN = RingCodec.FORMAT_MIN;
    public static final int FORMAT_MAX = RingCodec.FORMAT_MAX;
    public static final int MAX_BYTES = RingCodec.MAX_BYTES;

    private RingDeltaCodec() {}

    public static byte[] encode(RingDelta delta) {
        return toMessage(delta).toByteArray();
    }

    public static RingDeltaMsg toMessage(RingDelta d) {
        RingDeltaMsg.Builder b = RingDeltaMsg.newBuilder()
                .setFormatVersion(FORMAT_MAX)
                .setRangeNetwork(
                        ByteString.copyFrom(d.config().range().network().bytes()))
                .setRangePrefix(d.config().range().prefixLength())
                .setMinBlock(d.config().minBlock())
                .setGenesis(d.genesis().id());
        for (RingEntry e : d.entryArray()) {
            b.addEntries(RingCodec.entryMsg(e));
        }
        for (Map.Entry<Long, Long> t : d.tombstones().entrySet()) {
            b.addTombstones(RingCodec.tombstoneMsg(t));
        }
        return b.build();
    }

    public static RingDelta decode(byte[] bytes) {
        RingCodec.checkSize(bytes, "ring delta");
        try {
            return fromMessage(RingDeltaMsg.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new RingDecodeException("malformed ring delta message: " + e.getMessage());
        }
    }

    public static RingDelta fromMessage(RingDeltaMsg m) {
        RingCodec.checkHeader("ring delta", m.getFormatVersion(), m.getEntriesCount(), m.getTombstonesCount());
        RingConfig config = RingCodec.config(m.getRangeNetwork(), m.getRangePrefix(), m.getMinBlock());
        RingGenesis genesis = RingCodec.genesis(m.getGenesis());
        return RingDelta.of(
                config,
                genesis,
                RingCodec.entries(config, m.getEntriesList()),
                RingCodec.tombstones(m.getTombstonesList()));
    }
}
