package dev.weft.datapath.sleeve;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) of a probe's first {@value ProbeAuth#SIGNED} bytes, truncated to {@value ProbeAuth#TAG}
 * bytes, with every buffer allocated once: tagging or checking a probe allocates nothing. Holds the probe being
 * written or checked ({@link #probe}). Not thread-safe: each thread that tags or checks probes has its own (the
 * sender's thread, the probe socket's event loop).
 */
final class ProbeMac {
    private static final int BLOCK = 64;
    /** The JDK's SHA-256 (with the CPU's SHA instructions where the JIT has them), reset by each digest. */
    private final MessageDigest digest = sha256();

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
        try {
            digest.update(pad, 0, BLOCK);
            digest.update(probe, 0, ProbeAuth.SIGNED);
            digest.digest(inner, 0, inner.length); // also resets the digest
            for (int i = 0; i < BLOCK; i++) pad[i] = (byte) ((i < key.length ? key[i] : 0) ^ 0x5c);
            digest.update(pad, 0, BLOCK);
            digest.update(inner, 0, inner.length);
            digest.digest(full, 0, full.length);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 output does not fit 32 bytes", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable in this JDK", e);
        }
    }
}
