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
 *  8      4   key id = first 4 bytes of SHA-256(derived key): picks the key in the receiver's keyring
 * 12     12   nonce = sender instance (6 random bytes per sealer) || packet counter (6 bytes)
 * 24      n   ChaCha20-Poly1305 ciphertext of a protobuf weft.gossip.v1.Packet, then its 16-byte tag
 * </pre>
 *
 * The 24 header bytes are the AEAD associated data, so none of them can be altered. TCP frames add a 4-byte
 * length prefix in front of the envelope (see the transport).
 */
public final class Envelope {
    public static final byte MAGIC_0 = 0x57;
    public static final byte MAGIC_1 = 0x46;
    public static final int VERSION = 1;
    public static final int MIN_VERSION = 1;
    public static final int MAX_VERSION = 1;
    public static final int FLAG_SECRET = 0x01;
    public static final int HEADER_LENGTH = 24;
    public static final int NONCE_OFFSET = 12;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;
    /** Bytes the envelope adds to a plaintext packet. */
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
    /** Counter values are 48 bits. */
    public static final long MAX_COUNTER = (1L << 48) - 1;

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

    static void put48(byte[] b, int off, long v) {
        for (int i = 0; i < 6; i++) {
            b[off + i] = (byte) (v >>> (8 * (5 - i)));
        }
    }

    static long get48(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
