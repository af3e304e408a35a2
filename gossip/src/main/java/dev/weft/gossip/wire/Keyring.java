package dev.weft.gossip.wire;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one cluster. Packets are sealed with the primary key and opened with any key in the ring, so a
 * secret is rotated without downtime: (1) add the new secret as a secondary everywhere, (2) make it primary
 * everywhere, (3) remove the old one.
 *
 * <p>Everything is derived with HKDF-SHA256 (RFC 5869) from the secret, bound to the cluster name, each with its own
 * label so no derived value says anything about another:
 *
 * <pre>
 *   cluster key = HKDF(ikm = secret, salt = "weft-gossip-v1", info = "weft gossip aead "   + cluster name)  32 bytes
 *   key id      = HKDF(ikm = secret, salt = "weft-gossip-v1", info = "weft gossip key id " + cluster name)  4 bytes
 *   session key = HKDF(ikm = cluster key, salt = the sender's 16-byte session id, info = "weft gossip session v2")
 * </pre>
 *
 * The key id travels in clear (it picks the key on receive); the session key is what packets are sealed with (see
 * {@link Envelope}). Without a secret, one key is derived from the cluster name alone (ikm empty): that gives
 * integrity and binds packets to the cluster name (two clusters never merge) but is not confidentiality, since the
 * cluster name is not secret. The envelope flags say which kind was used.
 *
 * <p>Immutable and thread-safe.
 */
public final class Keyring {
    static final byte[] SALT = "weft-gossip-v1".getBytes(StandardCharsets.US_ASCII);

    static final byte[] SESSION_INFO = "weft gossip session v2".getBytes(StandardCharsets.US_ASCII);

    /** One cluster key and its 32-bit id (its own HKDF label, see the class comment). */
    public record Key(int id, SecretKeySpec spec) {}

    private final String clusterName;
    private final int clusterTag;
    private final boolean secret;
    private final List<Key> keys;

    private Keyring(String clusterName, boolean secret, List<Key> keys) {
        this.clusterName = clusterName;
        this.clusterTag = clusterTag(clusterName);
        this.secret = secret;
        this.keys = List.copyOf(keys);
    }

    /** A keyring without a secret: authenticated with a key derived from the cluster name only. */
    public static Keyring withoutSecret(String clusterName) {
        requireName(clusterName);
        return new Keyring(clusterName, false, List.of(derive(clusterName, new byte[0])));
    }

    /**
     * A keyring from secrets; the first one is the primary (used to send), all are accepted on receive.
     *
     * @throws IllegalArgumentException if the list is empty or a secret is shorter than 16 bytes
     */
    public static Keyring withSecrets(String clusterName, List<byte[]> secrets) {
        requireName(clusterName);
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret is needed; use withoutSecret for none");
        }
        List<Key> keys = new ArrayList<>();
        for (byte[] s : secrets) {
            if (s.length < 16) {
                throw new IllegalArgumentException("a gossip secret must have at least 16 bytes, got " + s.length);
            }
            Key k = derive(clusterName, s);
            Key same = keys.stream().filter(x -> x.id() == k.id()).findFirst().orElse(null);
            if (same == null) {
                keys.add(k);
            } else if (!same.spec().equals(k.spec())) { // two different secrets, one id: about 1 in 2^32
                throw new IllegalArgumentException(
                        "two different secrets have the same key id; generate another: weft secret generate");
            } // else the same secret listed twice: once is enough
        }
        return new Keyring(clusterName, true, keys);
    }

    private static void requireName(String clusterName) {
        if (clusterName == null || clusterName.isBlank() || clusterName.length() > 253) {
            throw new IllegalArgumentException("cluster name must be 1-253 characters, got '" + clusterName + "'");
        }
    }

    private static Key derive(String clusterName, byte[] secret) {
        byte[] info = ("weft gossip aead " + clusterName).getBytes(StandardCharsets.UTF_8);
        byte[] key = Hkdf.deriveSha256(SALT, secret, info, 32);
        byte[] idInfo = ("weft gossip key id " + clusterName).getBytes(StandardCharsets.UTF_8);
        int id = Envelope.getInt(Hkdf.deriveSha256(SALT, secret, idInfo, 4), 0);
        return new Key(id, new SecretKeySpec(key, "ChaCha20"));
    }

    /**
     * The key one sender's packets are sealed with: derived from a cluster key and the sender's random session id
     * (16 bytes at {@code offset} of {@code session}), so a nonce counter that starts again at 0 after a restart
     * never meets the same key (see {@link Envelope}).
     */
    static SecretKeySpec sessionKey(Key key, byte[] session, int offset) {
        byte[] salt = java.util.Arrays.copyOfRange(session, offset, offset + Envelope.SESSION_LENGTH);
        return new SecretKeySpec(Hkdf.deriveSha256(salt, key.spec().getEncoded(), SESSION_INFO, 32), "ChaCha20");
    }

    /** First 4 bytes of SHA-256("weft-cluster:" + name), big-endian. Public so an operator tool can print it. */
    public static int clusterTag(String clusterName) {
        byte[] d = sha256(("weft-cluster:" + clusterName).getBytes(StandardCharsets.UTF_8));
        return ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String clusterName() {
        return clusterName;
    }

    public int clusterTag() {
        return clusterTag;
    }

    /** True if keys come from a cluster secret (encrypted), false if only from the cluster name. */
    public boolean hasSecret() {
        return secret;
    }

    public Key primary() {
        return keys.get(0);
    }

    /** The key with this id, or null. */
    public Key find(int keyId) {
        for (Key k : keys) {
            if (k.id() == keyId) {
                return k;
            }
        }
        return null;
    }

    public List<Integer> keyIds() {
        return keys.stream().map(Key::id).toList();
    }
}
