package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Map;

/**
 * The wire format of kernel-path probes ({@link VxlanProbe}) and their authentication per pair of nodes.
 *
 * <pre>
 * probe datagram, version 3 (48 bytes, big-endian)
 *   0  2  magic 0x5750 ("WP")
 *   2  1  type: 1 request, 2 answer
 *   3  1  version 3 (versions 1 and 2 are refused as unsupported_version)
 *   4  2  key id: {@link SleeveKeys#keyId} of the pre-shared key the tag was made with (0 when not authenticated)
 *   6  1  flags: bit 0 = authenticated; other bits 0
 *   7  1  reserved, 0
 *   8  8  sender peer id
 *  16  8  probe session: random, drawn when the prober's socket starts; the answer echoes it
 *  24  8  sequence number (echoed in the answer)
 *  32 16  tag = first 16 bytes of HMAC-SHA256(pair key, bytes 0..31); zeros when not authenticated
 * </pre>
 *
 * The tag key is the <em>pair key</em> of the sender and the receiver ({@link ProbeKeys}): derived from the X25519
 * shared secret of their two sleeve keys and the cluster secret, so only those two nodes can make it. The receiver
 * picks the key by the sender id in the probe; a probe from a sender whose sleeve key it does not know is dropped
 * ({@link Drop#UNKNOWN_PEER}), one whose tag was not made with that pair's key ({@link Drop#AUTH_FAILED}). Probes are
 * tagged under the pair key of the primary cluster key and accepted under any configured one (rotation, like gossip
 * and the sleeve). Without a cluster secret ({@code --encryption=disabled}) probes carry no tag, and a node with a
 * secret refuses them.
 *
 * <p>What the tag stops: a stranger on the underlay cannot make up a request (so a node answers only cluster members)
 * or an answer; and a cluster member, which holds the secret, cannot make one in another member's name: a third node
 * C can neither keep A's broken kernel path to B selected by answering in B's name, nor make A answer requests it
 * did not get from B. Replays of recorded answers are refused by the session check: an answer is taken only if it
 * echoes the session of this prober's socket and a sequence number still outstanding ({@link PathHealth} ignores the
 * rest); and the pair key changes whenever either node restarts (new sleeve key pair). Immutable.
 */
public final class ProbeAuth {
    static final int MAGIC = 0x5750;
    static final int VERSION = 3;
    static final int REQUEST = 1;
    static final int ANSWER = 2;
    static final int LENGTH = 48;
    static final int SIGNED = 32;
    static final int TAG = 16;
    static final int FLAG_AUTHENTICATED = 0x01;

    /** Null without a cluster secret. */
    private final ProbeKeys keys;

    private ProbeAuth(ProbeKeys keys) {
        this.keys = keys;
    }

    /** No cluster secret: probes go out without a tag, and only probes without a tag are accepted. */
    public static ProbeAuth none() {
        return new ProbeAuth(null);
    }

    /**
     * With the cluster secret: {@code ownPrivate} is this node's sleeve X25519 private key, {@code psks} the sleeve's
     * pre-shared keys ({@link SleeveCrypto#psks}), primary first. Knows no peer yet: see {@link #withPeers}.
     */
    public static ProbeAuth of(long ownId, byte[] ownPrivate, List<byte[]> psks) {
        return new ProbeAuth(ProbeKeys.of(ownId, ownPrivate, psks));
    }

    /**
     * The same keys for these peers (peer id to its 32-byte sleeve public key, from its signed node record); returns
     * {@code this} when nothing changed (so it can be called every tick) or without a secret.
     */
    public ProbeAuth withPeers(Map<Long, byte[]> sleevePublicKeys) {
        if (keys == null) return this;
        ProbeKeys next = keys.withPeers(sleevePublicKeys);
        return next == keys ? this : new ProbeAuth(next);
    }

    public boolean authenticates() {
        return keys != null;
    }

    /** True if probes to or from this peer can be tagged and checked (always, without a secret). */
    public boolean knows(long peerId) {
        return keys == null || keys.indexOf(peerId) >= 0;
    }

    /** Why a received probe was dropped; each is a counter of {@link VxlanProbe}. Append only. */
    public enum Drop {
        /** Not 48 bytes, wrong magic, unknown type or flags. */
        MALFORMED("malformed"),
        /** Another probe version (an older Weft: version 1 without a tag, version 2 tagged under the cluster key). */
        UNSUPPORTED_VERSION("unsupported_version"),
        /** No tag, while this node has a cluster secret: a stranger, or a node run with --encryption=disabled. */
        UNAUTHENTICATED("unauthenticated"),
        /** A tag, while this node has no cluster secret and cannot check it. */
        SECURITY_MISMATCH("security_mismatch"),
        /** A key id that none of the configured keys has (another secret, or one rotated out). */
        UNKNOWN_KEY("unknown_key"),
        /**
         * The tag was not made with the pair key of the sender it names: forged, altered, or made by a third node in
         * the sender's name (or the sender restarted and its new sleeve key has not reached this node yet).
         */
        AUTH_FAILED("auth_failed"),
        /** An authenticated answer to a probe this socket did not send (replayed from an earlier start, or misrouted). */
        FOREIGN_SESSION("foreign_session"),
        /**
         * A tagged probe from a sender whose sleeve key this node does not know (not a member whose signed node
         * record with a sleeve key reached it, or this node's own id): there is no pair key to check it with.
         */
        UNKNOWN_PEER("unknown_peer");

        private final String counterName;

        Drop(String counterName) {
            this.counterName = counterName;
        }

        public String counterName() {
            return counterName;
        }
    }

    /**
     * Writes a whole probe (48 bytes) at the writer index, tagged under the pair key of {@code peerId} (the receiver)
     * and the primary cluster key when there is a secret. {@code mac} is the calling thread's. Writes nothing and
     * returns false if this node has no key for that peer.
     */
    boolean write(ByteBuf buf, int type, long senderId, long peerId, long session, long seq, ProbeMac mac) {
        int peer = keys == null ? -1 : keys.indexOf(peerId);
        if (keys != null && peer < 0) return false;
        byte[] b = mac.probe;
        putShort(b, 0, MAGIC);
        b[2] = (byte) type;
        b[3] = (byte) VERSION;
        putShort(b, 4, keys == null ? 0 : keys.keyIds[0]);
        b[6] = keys == null ? 0 : (byte) FLAG_AUTHENTICATED;
        b[7] = 0;
        putLong(b, 8, senderId);
        putLong(b, 16, session);
        putLong(b, 24, seq);
        if (keys == null) {
            for (int i = SIGNED; i < LENGTH; i++) b[i] = 0;
        } else {
            mac.tag(keys.key(peer, 0));
        }
        buf.writeBytes(b);
        return true;
    }

    /**
     * Checks a received probe of {@code length} bytes at {@code index}; null when it may be used, else why not.
     * {@code mac} is the calling thread's; allocates nothing.
     */
    Drop check(ByteBuf buf, int index, int length, ProbeMac mac) {
        if (length < 4 || buf.getUnsignedShort(index) != MAGIC) return Drop.MALFORMED;
        if (buf.getUnsignedByte(index + 3) != VERSION) return Drop.UNSUPPORTED_VERSION;
        if (length != LENGTH) return Drop.MALFORMED;
        byte[] b = mac.probe;
        buf.getBytes(index, b);
        int type = b[2] & 0xff;
        int flags = b[6] & 0xff;
        if ((type != REQUEST && type != ANSWER) || (flags & ~FLAG_AUTHENTICATED) != 0 || b[7] != 0) {
            return Drop.MALFORMED;
        }
        boolean tagged = (flags & FLAG_AUTHENTICATED) != 0;
        if (keys == null) return tagged ? Drop.SECURITY_MISMATCH : null;
        if (!tagged) return Drop.UNAUTHENTICATED;
        int id = ((b[4] & 0xff) << 8) | (b[5] & 0xff);
        boolean knownKey = false;
        for (int k : keys.keyIds) knownKey |= k == id;
        if (!knownKey) return Drop.UNKNOWN_KEY;
        int peer = keys.indexOf(getLong(b, 8));
        if (peer < 0) return Drop.UNKNOWN_PEER;
        for (int k = 0; k < keys.keyIds.length; k++) {
            // two cluster keys may share an id (1 in 65,536): try each
            if (keys.keyIds[k] == id && mac.verify(keys.key(peer, k))) return null;
        }
        return Drop.AUTH_FAILED;
    }

    private static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (v >>> (56 - 8 * i));
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[off + i] & 0xff);
        return v;
    }
}
