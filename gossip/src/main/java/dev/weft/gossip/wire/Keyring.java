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
 * <p>Keys are derived with HKDF-SHA256 from the secret, bound to the cluster name (salt = "weft-gossip-v1",
 * info = "weft gossip aead " + cluster name). Without a secret, one key is derived from the cluster name alone:
 * that gives integrity and binds packets to the cluster name (two clusters never merge) but is not
 * confidentiality, since the cluster name is not secret. The envelope flags say which kind was used.
 *
 * <p>Immutable and thread-safe.
 */
public final class Keyring {
    static final byte[] SALT = "weft-gossip-v1".getBytes(StandardCharsets.US_ASCII);

    /** One derived key and its 32-bit id (first 4 bytes of SHA-256 of the key). */
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
            if (keys.stream().noneMatch(x -> x.id() == k.id())) {
                keys.add(k);
            }
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
        byte[] digest = sha256(key);
        int id = ((digest[0] & 0xff) << 24)
                | ((digest[1] & 0xff) << 16)
                | ((digest[2] & 0xff) << 8)
                | (digest[3] & 0xff);
        return new Key(id, new SecretKeySpec(key, "ChaCha20"));
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
