package dev.weft.gossip.wire;

/**
 * Layout of the envelope around every gossip packet (UDP datagram or TCP frame payload). Big-endian.
 *
 * <pre>
 * offset size field
 *  0      2   magic 0x57 0x46 ("WF")
 *  2      1   version (MIN_VERSION..MAX_VERSION; this code writes VERSION)
 *  3      1   flags: bit 0 = keyed by a cluster secret (else keyed by the cluster name only); others 0
 *  4      4   cluster tag = first 4 bytes of SHA-256("weft-cluster:" + cluster name)
 *  8      4   key id = HKDF label of its own ({@link Keyring}): picks the cluster key in the receiver's keyring
 * 12     16   session id: 16 random bytes, new for every sealer (every agent start)
 * 28      8   packet counter within the session (0, 1, 2, ...)
 * 36      n   ChaCha20-Poly1305 ciphertext of a protobuf weft.gossip.v1.Packet, then its 16-byte tag
 * </pre>
 *
 * The AEAD key is the session key HKDF(cluster key, session id) ({@link Keyring#sessionKey}), the nonce is 4 zero
 * bytes || the counter. Each start of a sender draws a new 128-bit session id, so its key is new and its counter
 * may start at 0 again: a (key, nonce) pair never repeats across restarts unless two session ids collide (2^-128
 * per pair of sessions). The 36 header bytes are the AEAD associated data, so none of them can be altered. TCP
 * frames add a 4-byte length prefix in front of the envelope (see the transport).
 *
 * <p>Version 1 (24-byte header: 6-byte random instance + 6-byte counter as the nonce under the cluster key, key id =
 * SHA-256 of the key) is no longer accepted: its packets are dropped as {@code unsupported_version}, so a member on
 * an older Weft and one on this one see each other's gossip refused with that reason (upgrade every node).
 */
public final class Envelope {
    public static final byte MAGIC_0 = 0x57;
    public static final byte MAGIC_1 = 0x46;
    public static final int VERSION = 2;
    public static final int MIN_VERSION = 2;
    public static final int MAX_VERSION = 2;
    public static final int FLAG_SECRET = 0x01;
    public static final int SESSION_OFFSET = 12;
    public static final int SESSION_LENGTH = 16;
    public static final int COUNTER_OFFSET = 28;
    public static final int HEADER_LENGTH = 36;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    /** Bytes the envelope adds to a plaintext packet. */
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
    /** The last counter value a session may use (then the sealer refuses; a new start draws a new session). */
    public static final long MAX_COUNTER = Long.MAX_VALUE;

    private Envelope() {}

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * (7 - i)));
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /** The AEAD nonce of a packet: 4 zero bytes || the 8-byte counter (the key is unique per session). */
    static byte[] nonce(long counter) {
        byte[] n = new byte[NONCE_LENGTH];
        putLong(n, 4, counter);
        return n;
    }
}
