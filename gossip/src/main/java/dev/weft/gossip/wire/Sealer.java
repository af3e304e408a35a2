package dev.weft.gossip.wire;

import dev.weft.gossip.wire.proto.Packet;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;

/**
 * Seals packets into envelopes ({@link Envelope}) with the keyring's primary key. Thread-safe: the counter is
 * atomic and a Cipher is created per call. The instance id must be random and unique per sealer (nonce
 * uniqueness under one key across all members depends on it): use {@link #create} in production.
 */
public final class Sealer {
    private volatile Keyring keyring;
    private final Clock clock;
    private final long instance;
    private final AtomicLong counter;

    /** For tests (golden bytes): fixed instance id and first counter value. */
    public Sealer(Keyring keyring, Clock clock, long instance, long firstCounter) {
        this.keyring = keyring;
        this.clock = clock;
        this.instance = instance & Envelope.MAX_COUNTER;
        this.counter = new AtomicLong(firstCounter);
    }

    public static Sealer create(Keyring keyring, Clock clock, java.security.SecureRandom random) {
        long inst = random.nextLong() & Envelope.MAX_COUNTER;
        return new Sealer(keyring, clock, inst, 0);
    }

    /** Switch to another keyring (secret rotation). Packets sealed afterwards use its primary key. */
    public void setKeyring(Keyring keyring) {
        this.keyring = keyring;
    }

    public long instance() {
        return instance;
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
        if (n > Envelope.MAX_COUNTER) {
            throw new IllegalStateException("nonce counter exhausted; create a new Sealer");
        }
        Keyring kr = keyring;
        Keyring.Key key = kr.primary();
        byte[] out = new byte[total];
        out[0] = Envelope.MAGIC_0;
        out[1] = Envelope.MAGIC_1;
        out[2] = (byte) Envelope.VERSION;
        out[3] = (byte) (kr.hasSecret() ? Envelope.FLAG_SECRET : 0);
        Envelope.putInt(out, 4, kr.clusterTag());
        Envelope.putInt(out, 8, key.id());
        Envelope.put48(out, Envelope.NONCE_OFFSET, instance);
        Envelope.put48(out, Envelope.NONCE_OFFSET + 6, n);
        try {
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(
                    Cipher.ENCRYPT_MODE,
                    key.spec(),
                    new IvParameterSpec(out, Envelope.NONCE_OFFSET, Envelope.NONCE_LENGTH));
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
