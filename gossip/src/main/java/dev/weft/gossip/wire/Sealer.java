package dev.weft.gossip.wire;

import dev.weft.gossip.wire.proto.Packet;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals packets into envelopes ({@link Envelope}) with a session key derived from the keyring's primary key and this
 * sealer's random 16-byte session id. Thread-safe: the counter is atomic and a Cipher is created per call. The
 * session id must be random and new for every sealer (every start of the agent): nonce uniqueness across restarts
 * depends on it, so use {@link #create} in production.
 */
public final class Sealer {
    private final Clock clock;
    private final byte[] session;
    private final AtomicLong counter;
    private volatile Sending sending;

    /** The primary key and the session key derived from it, swapped together when the keyring changes. */
    private record Sending(Keyring keyring, Keyring.Key key, SecretKeySpec sessionKey) {}

    /** For tests (golden bytes): a fixed 16-byte session id and first counter value. */
    public Sealer(Keyring keyring, Clock clock, byte[] session, long firstCounter) {
        if (session.length != Envelope.SESSION_LENGTH) {
            throw new IllegalArgumentException("a session id has " + Envelope.SESSION_LENGTH + " bytes");
        }
        if (firstCounter < 0) {
            throw new IllegalArgumentException("counter must not be negative");
        }
        this.clock = clock;
        this.session = session.clone();
        this.counter = new AtomicLong(firstCounter);
        setKeyring(keyring);
    }

    /** A sealer with a fresh random session id (one per agent start). */
    public static Sealer create(Keyring keyring, Clock clock, SecureRandom random) {
        byte[] s = new byte[Envelope.SESSION_LENGTH];
        random.nextBytes(s);
        return new Sealer(keyring, clock, s, 0);
    }

    /** Switch to another keyring (secret rotation). Packets sealed afterwards use its primary key. */
    public void setKeyring(Keyring keyring) {
        Keyring.Key k = keyring.primary();
        sending = new Sending(keyring, k, Keyring.sessionKey(k, session, 0));
    }

    /** This sealer's session id (a copy). */
    public byte[] session() {
        return session.clone();
    }

    /**
     * Stamps the packet with the current time and seals it.
     *
     * @throws PacketTooLargeException if the envelope would exceed {@code maxLength}
     */
    public byte[] seal(Packet packet, int maxLength) {
        Packet stamped = packet.toBuilder().setSentAtMillis(clock.millis()).build();
        byte[] plain = stamped.toByteArray();
        int total = Envelope.OVERHEAD + plain.length;
        if (total > maxLength) {
            throw new PacketTooLargeException(total, maxLength);
        }
        long n = counter.getAndIncrement();
        if (n < 0 || n == Envelope.MAX_COUNTER) {
            throw new IllegalStateException("nonce counter exhausted; create a new Sealer");
        }
        Sending s = sending;
        byte[] out = new byte[total];
        out[0] = Envelope.MAGIC_0;
        out[1] = Envelope.MAGIC_1;
        out[2] = (byte) Envelope.VERSION;
        out[3] = (byte) (s.keyring().hasSecret() ? Envelope.FLAG_SECRET : 0);
        Envelope.putInt(out, 4, s.keyring().clusterTag());
        Envelope.putInt(out, 8, s.key().id());
        System.arraycopy(session, 0, out, Envelope.SESSION_OFFSET, Envelope.SESSION_LENGTH);
        Envelope.putLong(out, Envelope.COUNTER_OFFSET, n);
        try {
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(Cipher.ENCRYPT_MODE, s.sessionKey(), new IvParameterSpec(Envelope.nonce(n)));
            c.updateAAD(out, 0, Envelope.HEADER_LENGTH);
            int written = c.doFinal(plain, 0, plain.length, out, Envelope.HEADER_LENGTH);
            if (written != plain.length + Envelope.TAG_LENGTH) {
                throw new IllegalStateException("unexpected AEAD output length " + written);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 failed to seal", e);
        }
        return out;
    }
}
