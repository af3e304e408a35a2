package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.id.PeerId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The sender's signature on what it sends in its own name over a stream: a channel's full state (push-pull, digest
 * repair, pushes) and a direct message. Gossip checks it before the channel or the agent sees the bytes, so the
 * {@code from} they are handed with is proven, not just the packet's claimed sender id (which only the cluster
 * secret authenticates). Replaying a state under another id fails: the id is signed.
 *
 * <p>Signed bytes (integers big-endian), full state: the ASCII label {@code weft state v1} and a zero byte; channel
 * name length (1) and UTF-8 bytes; sender id (8); state length (4) and bytes. Direct message: the label {@code weft
 * direct v1} and a zero byte; sender id (8); recipient id (8); topic length (2) and UTF-8 bytes; payload length (4)
 * and bytes.
 */
final class StateSignature {
    private static final byte[] STATE = "weft state v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DIRECT = "weft direct v1\0".getBytes(StandardCharsets.US_ASCII);

    private StateSignature() {}

    static byte[] state(String channel, PeerId sender, ByteString state) {
        byte[] name = channel.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + name.length + state.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(STATE);
            out.writeByte(name.length);
            out.write(name);
            out.writeLong(sender.value());
            out.writeInt(state.size());
            state.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] direct(PeerId sender, PeerId to, String topic, ByteString payload) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(40 + t.length + payload.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(DIRECT);
            out.writeLong(sender.value());
            out.writeLong(to.value());
            out.writeShort(t.length);
            out.write(t);
            out.writeInt(payload.size());
            payload.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ByteString sign(byte[] message, IdentityKey key) {
        return ByteString.copyFrom(key.sign(message));
    }

    /**
     * Null if {@code sender} signed {@code message} with the key we know for it, else why it is dropped ({@code
     * unsigned}: the reason for a missing signature).
     */
    static DropReason check(PeerKeys keys, PeerId sender, byte[] message, ByteString signature, DropReason unsigned) {
        if (signature.isEmpty()) return unsigned;
        byte[] key = keys.keyOf(sender);
        if (key == null) return DropReason.SENDER_KEY_UNKNOWN;
        return Verdicts.dropReason(keys.check(sender, key, message, signature.toByteArray()), unsigned);
    }
}
