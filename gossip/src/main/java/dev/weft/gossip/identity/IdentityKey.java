package dev.weft.gossip.identity;

import dev.weft.id.PeerId;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A node's Ed25519 identity key (RFC 8032, Bouncy Castle): made once, kept in the state directory, and the root of
 * the node's peer id. The id derived from a key ({@link #derivedId}) is the first 8 bytes of SHA-256 over the
 * 32-byte public key, so anyone can check that a key belongs to an id without asking anybody (self-certifying).
 * A node upgraded from before identity keys keeps its random (legacy) id and publishes its key; see
 * {@link PeerKeys} for how such a key is trusted.
 *
 * <p>Cost on this machine kind (Bouncy Castle 1.82, one core): signing and verifying take tens of microseconds
 * each; gossip signs once per change of its own record and verifies once per new (member, incarnation).
 */
public final class IdentityKey {
    /** Length of a raw Ed25519 private key, public key and signature. */
    public static final int KEY_BYTES = 32;

    public static final int SIGNATURE_BYTES = 64;

    private final Ed25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;

    private IdentityKey(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = privateKey.generatePublicKey().getEncoded();
    }

    /** A new key from 32 bytes of {@code random} (a {@code SecureRandom} in production). */
    public static IdentityKey generate(RandomGenerator random) {
        byte[] seed = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8; j++) seed[i + j] = (byte) (v >>> (8 * j));
        }
        try {
            return fromPrivate(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /**
     * The key for 32 raw private-key bytes (the RFC 8032 seed).
     *
     * @throws IllegalArgumentException if it is not 32 bytes
     */
    public static IdentityKey fromPrivate(byte[] raw) {
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException(
                    "an Ed25519 private key is " + KEY_BYTES + " bytes, this one is " + raw.length);
        }
        return new IdentityKey(new Ed25519PrivateKeyParameters(raw, 0));
    }

    /** The 32 raw private-key bytes (for the state file only). */
    public byte[] privateBytes() {
        return privateKey.getEncoded();
    }

    /** The 32-byte public key (a copy). */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The peer id this key certifies. */
    public PeerId derivedId() {
        return derivedId(publicKey);
    }

    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, privateKey);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    /**
     * The peer id {@code publicKey} certifies: the first 8 bytes of SHA-256 over it, big-endian. (An all-zero
     * prefix, which is not a peer id, maps to 1; finding a key for it is as hard as for any other id.)
     */
    public static PeerId derivedId(byte[] publicKey) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(publicKey);
            long v = ByteBuffer.wrap(h, 0, 8).getLong();
            return PeerId.of(v == 0 ? 1 : v);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** True if {@code signature} is {@code publicKey}'s Ed25519 signature of {@code message}; false for any junk. */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey.length != KEY_BYTES || signature.length != SIGNATURE_BYTES) return false;
        try {
            Ed25519Signer v = new Ed25519Signer();
            v.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
            v.update(message, 0, message.length);
            return v.verifySignature(signature);
        } catch (RuntimeException e) { // a public key that is not a curve point
            return false;
        }
    }

    @Override
    public String toString() {
        return "IdentityKey[public=" + HexFormat.of().formatHex(publicKey) + "]";
    }
}
