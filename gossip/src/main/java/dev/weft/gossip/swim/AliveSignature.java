package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.proto.Endpoint;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.id.PeerId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The owner's signature on its ALIVE update: the member id, incarnation, address and record (the agent's node
 * record) as one message, so no other member can announce a record, address or incarnation in its name.
 *
 * <p>Signed bytes (all integers big-endian): the ASCII label {@code weft alive v1} and a zero byte; member id (8);
 * incarnation (8); address IP length (1) and bytes; port (4); record length (4) and bytes; public key (32).
 */
final class AliveSignature {
    private static final byte[] LABEL = "weft alive v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private AliveSignature() {}

    static byte[] message(PeerId id, long incarnation, Endpoint address, ByteString record, ByteString publicKey) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + record.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(LABEL);
            out.writeLong(id.value());
            out.writeLong(incarnation);
            out.writeByte(address.getIp().size());
            address.getIp().writeTo(out);
            out.writeInt(address.getPort());
            out.writeInt(record.size());
            record.writeTo(out);
            publicKey.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code unsigned} with this member's key and signature added. */
    static MemberUpdate sign(MemberUpdate unsigned, PeerId id, IdentityKey key) {
        ByteString pub = ByteString.copyFrom(key.publicKey());
        byte[] msg = message(id, unsigned.getIncarnation(), unsigned.getAddress(), unsigned.getRecord(), pub);
        return unsigned.toBuilder()
                .setPublicKey(pub)
                .setSignature(ByteString.copyFrom(key.sign(msg)))
                .build();
    }

    /**
     * The key {@code u} is checked against: the one it carries, or, when a relayer left it out (the wire comment of
     * {@code MemberUpdate.public_key}), the one we already hold for {@code id} (checked when it was first accepted);
     * empty if neither.
     */
    static ByteString keyFor(PeerKeys keys, PeerId id, MemberUpdate u) {
        if (!u.getPublicKey().isEmpty()) {
            return u.getPublicKey();
        }
        byte[] known = keys.keyOf(id);
        return known == null ? ByteString.EMPTY : ByteString.copyFrom(known);
    }

    /**
     * Null if the owner of {@code id} signed {@code u}, else why it is dropped. {@code key} is {@link #keyFor}: a key
     * left out of the update is never guessed, only taken from what we hold for the id, so the check is the same as
     * for an update carrying that key.
     */
    static DropReason check(PeerKeys keys, PeerId id, MemberUpdate u, ByteString key) {
        byte[] msg = message(id, u.getIncarnation(), u.getAddress(), u.getRecord(), key);
        return Verdicts.dropReason(
                keys.check(id, key.toByteArray(), msg, u.getSignature().toByteArray()), DropReason.UNSIGNED_RECORD);
    }
}
