package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.id.PeerId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The origin's signature on a channel delta, so the origin a delta names is proven, not just claimed by whoever
 * relays it (the channel's owner, e.g. the IPAM ring, decides what the origin may change).
 *
 * <p>Signed bytes (integers big-endian): the ASCII label {@code weft delta v1} and a zero byte; channel name length
 * (1) and UTF-8 bytes; origin id (8); epoch (8); seq (8); delta length (4) and bytes.
 */
final class DeltaSignature {
    private static final byte[] LABEL = "weft delta v1\0".getBytes(StandardCharsets.US_ASCII);

    private DeltaSignature() {}

    static byte[] message(String channel, PeerId origin, long epoch, long seq, ByteString delta) {
        byte[] name = channel.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + name.length + delta.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(LABEL);
            out.writeByte(name.length);
            out.write(name);
            out.writeLong(origin.value());
            out.writeLong(epoch);
            out.writeLong(seq);
            out.writeInt(delta.size());
            delta.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ChannelDelta sign(ChannelDelta d, PeerId origin, IdentityKey key) {
        byte[] msg = message(d.getChannel(), origin, d.getEpoch(), d.getSeq(), d.getDelta());
        return d.toBuilder().setSignature(ByteString.copyFrom(key.sign(msg))).build();
    }

    /** Null if {@code origin} signed {@code d} with the key we know for it, else why it is dropped. */
    static DropReason check(PeerKeys keys, PeerId origin, ChannelDelta d) {
        if (d.getSignature().isEmpty()) return DropReason.UNSIGNED_DELTA;
        byte[] key = keys.keyOf(origin);
        if (key == null) return DropReason.DELTA_ORIGIN_UNKNOWN;
        byte[] msg = message(d.getChannel(), origin, d.getEpoch(), d.getSeq(), d.getDelta());
        return Verdicts.dropReason(
                keys.check(origin, key, msg, d.getSignature().toByteArray()), DropReason.UNSIGNED_DELTA);
    }
}
