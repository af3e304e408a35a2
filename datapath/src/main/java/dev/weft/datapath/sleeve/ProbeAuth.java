package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The wire format of kernel-path probes ({@link VxlanProbe}) and their authentication under the cluster secret.
 *
 * <pre>
 * probe datagram, version 2 (48 bytes, big-endian)
 *   0  2  magic 0x5750 ("WP")
 *   2  1  type: 1 request, 2 answer
 *   3  1  version 2 (version 1, 20 bytes without a tag, is refused as unsupported_version)
 *   4  2  key id: {@link SleeveKeys#keyId} of the pre-shared key the tag was made with (0 when not authenticated)
 *   6  1  flags: bit 0 = authenticated; other bits 0
 *   7  1  reserved, 0
 *   8  8  sender peer id
 *  16  8  probe session: random, drawn when the prober's socket starts; the answer echoes it
 *  24  8  sequence number (echoed in the answer)
 *  32 16  tag = first 16 bytes of HMAC-SHA256(probe key, bytes 0..31); zeros when not authenticated
 * </pre>
 *
 * The probe key of a configured cluster key is HKDF-SHA256(ikm = its sleeve psk, salt = "weft-probe-v1", info = "weft
 * probe mac"), a label of its own: knowing probe tags tells nothing about the sleeve's packet keys. Probes are sent
 * under the primary key and accepted under any configured key (rotation, like gossip and the sleeve). Without a
 * cluster secret ({@code --encryption=disabled}) probes carry no tag, and a node with a secret refuses them.
 *
 * <p>What the tag stops: a stranger on the underlay cannot make up a request (so a node answers only cluster members)
 * or an answer (so no one can keep a broken kernel path selected, or make a path look alive). Replays of recorded
 * answers are refused by the session check: an answer is taken only if it echoes the session of this prober's socket
 * and a sequence number still outstanding ({@link PathHealth} ignores the rest). Immutable; {@link #sign} and
 * {@link #check} make a new {@link Mac} per call (probes are about one per peer per second).
 */
public final class ProbeAuth {
    static final int MAGIC = 0x5750;
    static final int VERSION = 2;
    static final int REQUEST = 1;
    static final int ANSWER = 2;
    static final int LENGTH = 48;
    static final int SIGNED = 32;
    static final int TAG = 16;
    static final int FLAG_AUTHENTICATED = 0x01;
    private static final byte[] SALT = "weft-probe-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO = "weft probe mac".getBytes(StandardCharsets.US_ASCII);

    private record Key(int id, SecretKeySpec mac) {}

    private final List<Key> keys;

    private ProbeAuth(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** No cluster secret: probes go out without a tag, and only probes without a tag are accepted. */
    public static ProbeAuth none() {
        return new ProbeAuth(List.of());
    }

    /** From the sleeve's pre-shared keys ({@link SleeveCrypto#psks}), primary first. */
    public static ProbeAuth of(List<byte[]> psks) {
        List<Key> keys = new ArrayList<>();
        for (byte[] psk : psks) {
            keys.add(new Key(SleeveKeys.keyId(psk), new SecretKeySpec(SleeveKeys.hkdf(psk, SALT, INFO), "HmacSHA256")));
        }
        return new ProbeAuth(keys);
    }

    public boolean authenticates() {
        return !keys.isEmpty();
    }

    /** Why a received probe was dropped; each is a counter of {@link VxlanProbe}. Append only. */
    public enum Drop {
        /** Not 48 bytes, wrong magic, unknown type or flags. */
        MALFORMED("malformed"),
        /** Another probe version (an older Weft sends version 1, without a tag). */
        UNSUPPORTED_VERSION("unsupported_version"),
        /** No tag, while this node has a cluster secret: a stranger, or a node run with --encryption=disabled. */
        UNAUTHENTICATED("unauthenticated"),
        /** A tag, while this node has no cluster secret and cannot check it. */
        SECURITY_MISMATCH("security_mismatch"),
        /** A key id that none of the configured keys has (another secret, or one rotated out). */
        UNKNOWN_KEY("unknown_key"),
        /** The tag does not verify: forged or altered. */
        AUTH_FAILED("auth_failed"),
        /** An authenticated answer to a probe this socket did not send (replayed from an earlier start, or misrouted). */
        FOREIGN_SESSION("foreign_session");

        private final String counterName;

        Drop(String counterName) {
            this.counterName = counterName;
        }

        public String counterName() {
            return counterName;
        }
    }

    /** Writes a whole probe (48 bytes) at the writer index, tagged under the primary key when there is one. */
    void write(ByteBuf buf, int type, long senderId, long session, long seq) {
        byte[] b = new byte[LENGTH];
        putShort(b, 0, MAGIC);
        b[2] = (byte) type;
        b[3] = (byte) VERSION;
        if (!keys.isEmpty()) {
            Key k = keys.get(0);
            putShort(b, 4, k.id());
            b[6] = FLAG_AUTHENTICATED;
        }
        putLong(b, 8, senderId);
        putLong(b, 16, session);
        putLong(b, 24, seq);
        if (!keys.isEmpty()) System.arraycopy(tag(keys.get(0), b), 0, b, SIGNED, TAG);
        buf.writeBytes(b);
    }

    /** Checks a received probe of {@code length} bytes at {@code index}; null when it may be used, else why not. */
    Drop check(ByteBuf buf, int index, int length) {
        if (length < 4 || buf.getUnsignedShort(index) != MAGIC) return Drop.MALFORMED;
        if (buf.getUnsignedByte(index + 3) != VERSION) return Drop.UNSUPPORTED_VERSION;
        if (length != LENGTH) return Drop.MALFORMED;
        byte[] b = new byte[LENGTH];
        buf.getBytes(index, b);
        int type = b[2] & 0xff;
        int flags = b[6] & 0xff;
        if ((type != REQUEST && type != ANSWER) || (flags & ~FLAG_AUTHENTICATED) != 0 || b[7] != 0) {
            return Drop.MALFORMED;
        }
        boolean tagged = (flags & FLAG_AUTHENTICATED) != 0;
        if (keys.isEmpty()) return tagged ? Drop.SECURITY_MISMATCH : null;
        if (!tagged) return Drop.UNAUTHENTICATED;
        int id = ((b[4] & 0xff) << 8) | (b[5] & 0xff);
        boolean known = false;
        byte[] got = java.util.Arrays.copyOfRange(b, SIGNED, LENGTH);
        for (Key k : keys) {
            if (k.id() != id) continue; // two keys may share an id (1 in 65,536): try each
            known = true;
            if (MessageDigest.isEqual(tag(k, b), got)) return null;
        }
        return known ? Drop.AUTH_FAILED : Drop.UNKNOWN_KEY;
    }

    private static byte[] tag(Key k, byte[] probe) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(k.mac());
            mac.update(probe, 0, SIGNED);
            return java.util.Arrays.copyOf(mac.doFinal(), TAG);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JDK", e);
        }
    }

    private static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (v >>> (56 - 8 * i));
    }
}
