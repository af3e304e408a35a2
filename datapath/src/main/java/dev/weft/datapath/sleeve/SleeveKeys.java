package dev.weft.datapath.sleeve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * Key material of the encrypted sleeve.
 *
 * <p>Each node has a static X25519 key pair; the public half travels in its node record, which is
 * gossiped authenticated under the cluster secret, so a public key the agent hands in is bound to
 * that peer id by the control plane. Per direction and per session the packet key is
 *
 * <pre>
 *   dh   = X25519(own private, peer public)                    (same value on both sides)
 *   psk  = HKDF-SHA256(ikm = cluster secret, salt = "weft-sleeve-psk-v1", info = "")   (one per configured key;
 *          the sender uses the primary, its 16-bit {@link #keyId} travels in the frame header)
 *   key  = HKDF-SHA256(ikm = dh, salt = psk,
 *                      info = "weft-sleeve-v1" | sender id | receiver id | sender public | receiver public
 *                             | session start millis | session random)
 * </pre>
 *
 * so a packet key needs both a static private key of the pair and the cluster secret, differs per
 * direction, and is fresh for every session (the sender starts a new session on every start and
 * every rekey; the session id travels in each packet header).
 *
 * <p>Why a counter nonce cannot repeat under one key, across restarts too: within a run, session
 * start times strictly increase per sender, so no two sessions share a key; and the agent draws a
 * new static X25519 key pair at every start (it is never stored), so a restarted sender's {@code dh}
 * (hence every key) is new even if its clock went back. The key id has its own label
 * ({@code weft-sleeve-key-id-v1}), unrelated to the key's own derivation.
 */
public final class SleeveKeys {
    private SleeveKeys() {}

    public static final int KEY_SIZE = 32;
    private static final byte[] PSK_SALT = "weft-sleeve-psk-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO_LABEL = "weft-sleeve-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_ID_SALT = "weft-sleeve-key-id-v1".getBytes(StandardCharsets.US_ASCII);

    /** A fresh X25519 private key (32 bytes). */
    public static byte[] generatePrivateKey(SecureRandom random) {
        byte[] k = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(random, k);
        return k;
    }

    /** The public key (32 bytes) of an X25519 private key; this goes into the node record. */
    public static byte[] publicKey(byte[] privateKey) {
        requireLength(privateKey, "private key");
        byte[] p = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(privateKey, 0, p, 0);
        return p;
    }

    /** The pre-shared key derived from the cluster secret. */
    public static byte[] pskFromClusterSecret(byte[] clusterSecret) {
        if (clusterSecret == null || clusterSecret.length == 0) {
            throw new IllegalArgumentException("cluster secret is empty");
        }
        return hkdf(clusterSecret, PSK_SALT, new byte[0]);
    }

    /**
     * The 16-bit id of a pre-shared key, carried in every sealed frame so the receiver picks the key the sender used:
     * the first two bytes of HKDF-SHA256(ikm = psk, salt = "weft-sleeve-key-id-v1"). Public: it says which key, not
     * the key. Two keys of one keyring may share an id (1 in 65,536): the receiver then tries both.
     */
    public static int keyId(byte[] psk) {
        byte[] h = hkdf(psk, KEY_ID_SALT, new byte[0]);
        return (h[0] & 0xff) << 8 | (h[1] & 0xff);
    }

    /**
     * X25519 shared secret; throws {@link IllegalArgumentException} for a peer key that is a
     * low-order point (all-zero result), which must never be used.
     */
    static byte[] sharedSecret(byte[] ownPrivate, byte[] peerPublic) {
        requireLength(ownPrivate, "private key");
        requireLength(peerPublic, "peer public key");
        byte[] out = new byte[X25519.POINT_SIZE];
        if (!X25519.calculateAgreement(ownPrivate, 0, peerPublic, 0, out, 0)) {
            throw new IllegalArgumentException("peer public key is a low-order point; refusing it");
        }
        return out;
    }

    /** The packet key for one direction and session (see class comment). */
    static byte[] sessionKey(
            byte[] dh,
            byte[] psk,
            long senderId,
            long receiverId,
            byte[] senderPublic,
            byte[] receiverPublic,
            long sessionStartMillis,
            int sessionRandom) {
        ByteBuffer info = ByteBuffer.allocate(INFO_LABEL.length + 8 + 8 + 32 + 32 + 8 + 4);
        info.put(INFO_LABEL)
                .putLong(senderId)
                .putLong(receiverId)
                .put(senderPublic)
                .put(receiverPublic)
                .putLong(sessionStartMillis)
                .putInt(sessionRandom);
        return hkdf(dh, psk, info.array());
    }

    static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[KEY_SIZE];
        g.generateBytes(out, 0, out.length);
        return out;
    }

    private static void requireLength(byte[] k, String what) {
        if (k == null || k.length != 32) {
            throw new IllegalArgumentException(what + " must be 32 bytes, got " + (k == null ? "null" : k.length));
        }
    }

    static boolean isAllZero(byte[] b) {
        return Arrays.equals(b, new byte[b.length]);
    }
}
