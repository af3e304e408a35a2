package dev.weft.datapath.sleeve;

/**
 * Encrypted sleeve wire format (UDP, default port 6771), one IP packet per datagram:
 *
 * <pre>
 * offset size field (big-endian)
 *   0     1   type: 0x82 = data, version 2 (never 0x08, so it cannot be mistaken for VXLAN; version 1,
 *             0x81, had no key id and is no longer accepted)
 *   1     1   reserved, 0 (authenticated)
 *   2     2   key id: {@link SleeveKeys#keyId} of the pre-shared key the session key was derived with
 *   4     8   sender peer id
 *  12     8   session start (sender's wall clock, ms; strictly increasing per sender)
 *  20     4   session random
 *  24     8   packet counter within the session (starts at 0, never repeats)
 *  32     n   ChaCha20-Poly1305 ciphertext of the inner IP packet
 *  32+n  16   Poly1305 tag
 * </pre>
 *
 * AAD = bytes 0..31 (the key id included); nonce = 4 zero bytes | counter (8, big-endian). The key is unique per
 * (sender, receiver, session) — see {@link SleeveKeys} — so a counter never repeats under a key.
 */
final class SealedFrame {
    private SealedFrame() {}

    static final int TYPE_DATA_V2 = 0x82;
    static final int OFF_KEY_ID = 2;
    static final int HEADER = 32;
    static final int TAG = 16;
    static final int OVERHEAD = HEADER + TAG;

    static final int OFF_SENDER = 4;
    static final int OFF_SESSION_START = 12;
    static final int OFF_SESSION_RANDOM = 20;
    static final int OFF_COUNTER = 24;
}
