package dev.weft.datapath.sleeve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * This node's encryption identity, given by the agent when a cluster secret is configured.
 *
 * @param privateKey       this node's static X25519 private key (32 bytes; its public half is in our node record)
 * @param psks             {@link SleeveKeys#pskFromClusterSecret} of each configured cluster secret, primary first: frames
 *                         are sent under the primary, received under any of them (rotation)
 * @param rekeyAfter       start a new session (fresh key) after this long
 * @param rekeyAfterPackets start a new session after this many packets to one peer
 */
public record SleeveCrypto(byte[] privateKey, List<byte[]> psks, Duration rekeyAfter, long rekeyAfterPackets) {
    public static final Duration DEFAULT_REKEY = Duration.ofMinutes(2);
    public static final long DEFAULT_REKEY_PACKETS = 1L << 32;

    public SleeveCrypto {
        if (privateKey == null || privateKey.length != 32)
            throw new IllegalArgumentException("private key must be 32 bytes");
        if (psks == null || psks.isEmpty()) throw new IllegalArgumentException("at least one psk is needed");
        List<byte[]> copy = new ArrayList<>();
        for (byte[] psk : psks) {
            if (psk == null || psk.length != 32) throw new IllegalArgumentException("psk must be 32 bytes");
            copy.add(psk.clone());
        }
        if (rekeyAfter == null || rekeyAfter.isNegative() || rekeyAfter.isZero()) {
            throw new IllegalArgumentException("rekeyAfter must be positive");
        }
        if (rekeyAfterPackets < 1) throw new IllegalArgumentException("rekeyAfterPackets must be >= 1");
        privateKey = privateKey.clone();
        psks = List.copyOf(copy);
    }

    /** One pre-shared key (no rotation in progress). */
    public SleeveCrypto(byte[] privateKey, byte[] psk, Duration rekeyAfter, long rekeyAfterPackets) {
        this(privateKey, List.of(psk), rekeyAfter, rekeyAfterPackets);
    }

    public static SleeveCrypto of(byte[] privateKey, byte[] clusterSecret) {
        return of(privateKey, List.of(clusterSecret));
    }

    /** From the configured cluster secrets, primary first (as the agent's secret file lists them). */
    public static SleeveCrypto of(byte[] privateKey, List<byte[]> clusterSecrets) {
        return new SleeveCrypto(privateKey, psksOf(clusterSecrets), DEFAULT_REKEY, DEFAULT_REKEY_PACKETS);
    }

    /** {@link SleeveKeys#pskFromClusterSecret} of each secret, in order. */
    public static List<byte[]> psksOf(List<byte[]> clusterSecrets) {
        return clusterSecrets.stream().map(SleeveKeys::pskFromClusterSecret).toList();
    }

    /** The same identity with another keyring (the secret file changed). */
    public SleeveCrypto withPsks(List<byte[]> newPsks) {
        return new SleeveCrypto(privateKey, newPsks, rekeyAfter, rekeyAfterPackets);
    }

    public byte[] publicKey() {
        return SleeveKeys.publicKey(privateKey);
    }

    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }

    /** The primary pre-shared key (the one frames are sent under). */
    public byte[] psk() {
        return psks.get(0).clone();
    }

    @Override
    public List<byte[]> psks() {
        return psks.stream().map(byte[]::clone).toList();
    }

    @Override
    public String toString() {
        return "SleeveCrypto[rekeyAfter=" + rekeyAfter + ", rekeyAfterPackets=" + rekeyAfterPackets + "]";
    }
}
