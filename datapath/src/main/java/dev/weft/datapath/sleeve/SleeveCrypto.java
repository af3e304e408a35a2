package dev.weft.datapath.sleeve;

import java.time.Duration;

/**
 * This node's encryption identity, given by the agent when a cluster secret is configured.
 *
 * @param privateKey       this node's static X25519 private key (32 bytes; its public half is in our node record)
 * @param psk              {@link SleeveKeys#pskFromClusterSecret} of the cluster secret
 * @param rekeyAfter       start a new session (fresh key) after this long
 * @param rekeyAfterPackets start a new session after this many packets to one peer
 */
public record SleeveCrypto(byte[] privateKey, byte[] psk, Duration rekeyAfter, long rekeyAfterPackets) {
    public static final Duration DEFAULT_REKEY = Duration.ofMinutes(2);
    public static final long DEFAULT_REKEY_PACKETS = 1L << 32;

    public SleeveCrypto {
        if (privateKey == null || privateKey.length != 32) throw new IllegalArgumentException("private key must be 32 bytes");
        if (psk == null || psk.length != 32) throw new IllegalArgumentException("psk must be 32 bytes");
        if (rekeyAfter == null || rekeyAfter.isNegative() || rekeyAfter.isZero()) {
            throw new IllegalArgumentException("rekeyAfter must be positive");
        }
        if (rekeyAfterPackets < 1) throw new IllegalArgumentException("rekeyAfterPackets must be >= 1");
        privateKey = privateKey.clone();
        psk = psk.clone();
    }

    public static SleeveCrypto of(byte[] privateKey, byte[] clusterSecret) {
        return new SleeveCrypto(privateKey, SleeveKeys.pskFromClusterSecret(clusterSecret), DEFAULT_REKEY, DEFAULT_REKEY_PACKETS);
    }

    public byte[] publicKey() {
        return SleeveKeys.publicKey(privateKey);
    }

    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }

    @Override
    public byte[] psk() {
        return psk.clone();
    }

    @Override
    public String toString() {
        return "SleeveCrypto[rekeyAfter=" + rekeyAfter + ", rekeyAfterPackets=" + rekeyAfterPackets + "]";
    }
}
