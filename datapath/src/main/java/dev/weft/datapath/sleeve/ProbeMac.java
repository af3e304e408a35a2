package dev.weft.datapath.sleeve;

import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * HMAC-SHA256 (RFC 2104) of a probe's first {@value ProbeAuth#SIGNED} bytes, truncated to {@value ProbeAuth#TAG}
 * bytes, with every buffer allocated once: tagging or checking a probe allocates nothing. Holds the probe being
 * written or checked ({@link #probe}). Not thread-safe: each thread that tags or checks probes has its own (the
 * sender's thread, the probe socket's event loop).
 */
final class ProbeMac {
    private static final int BLOCK = 64;
    private final SHA256Digest digest = new SHA256Digest();
    private final byte[] pad = new byte[BLOCK];
    private final byte[] inner = new byte[32];
    private final byte[] full = new byte[32];
    /** The probe (48 bytes) being written or checked. */
    final byte[] probe = new byte[ProbeAuth.LENGTH];

    /** Writes the tag of {@code probe[0..32)} under {@code key} (32 bytes) into {@code probe[32..48)}. */
    void tag(byte[] key) {
        mac(key);
        System.arraycopy(full, 0, probe, ProbeAuth.SIGNED, ProbeAuth.TAG);
    }

    /** True if {@code probe[32..48)} is the tag of {@code probe[0..32)} under {@code key}; constant time. */
    boolean verify(byte[] key) {
        mac(key);
        int diff = 0;
        for (int i = 0; i < ProbeAuth.TAG; i++) diff |= full[i] ^ probe[ProbeAuth.SIGNED + i];
        return diff == 0;
    }

    private void mac(byte[] key) {
        // keys are 32 bytes, shorter than the block: zero-padded, never hashed first
        for (int i = 0; i < BLOCK; i++) pad[i] = (byte) ((i < key.length ? key[i] : 0) ^ 0x36);
        digest.update(pad, 0, BLOCK);
        digest.update(probe, 0, ProbeAuth.SIGNED);
        digest.doFinal(inner, 0); // also resets the digest
        for (int i = 0; i < BLOCK; i++) pad[i] = (byte) ((i < key.length ? key[i] : 0) ^ 0x5c);
        digest.update(pad, 0, BLOCK);
        digest.update(inner, 0, inner.length);
        digest.doFinal(full, 0);
    }
}
