package dev.weft.gossip.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.gossip.wire.proto.Packet;
import java.security.GeneralSecurityException;
import java.time.Clock;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;

/**
 * Opens envelopes: checks header, cluster, key, tag, packet syntax, freshness and replay, in that order.
 * Anything that fails is counted under its {@link DropReason} and yields null; nothing is logged and nothing
 * throws on bad input. Thread-safe.
 */
public final class Opener {
    private volatile Keyring keyring;
    private final Clock clock;
    private final ReplayGuard replay;
    private final WireCounters counters;

    public Opener(Keyring keyring, Clock clock, ReplayGuard replay, WireCounters counters) {
        this.keyring = keyring;
        this.clock = clock;
        this.replay = replay;
        this.counters = counters;
    }

    public void setKeyring(Keyring keyring) {
        this.keyring = keyring;
    }

    /**
     * Checks the cleartext envelope header (magic, version, cluster tag, flags, key id) of {@code header}, which
     * must hold at least {@link Envelope#HEADER_LENGTH} bytes; returns why it would be dropped, or null if the
     * body is worth reading. Counts nothing (the caller does). Lets the stream server refuse a frame before it
     * reads or buffers the body.
     */
    public DropReason checkHeader(byte[] header) {
        if (header.length < Envelope.HEADER_LENGTH) {
            return DropReason.MALFORMED;
        }
        if (header[0] != Envelope.MAGIC_0 || header[1] != Envelope.MAGIC_1) {
            return DropReason.BAD_MAGIC;
        }
        int version = header[2] & 0xff;
        if (version < Envelope.MIN_VERSION || version > Envelope.MAX_VERSION) {
            return DropReason.UNSUPPORTED_VERSION;
        }
        Keyring kr = keyring;
        if (Envelope.getInt(header, 4) != kr.clusterTag()) {
            return DropReason.FOREIGN_CLUSTER;
        }
        int flags = header[3] & 0xff;
        if ((flags & ~Envelope.FLAG_SECRET) != 0) {
            return DropReason.MALFORMED;
        }
        if (((flags & Envelope.FLAG_SECRET) != 0) != kr.hasSecret()) {
            return DropReason.SECURITY_MISMATCH;
        }
        if (kr.find(Envelope.getInt(header, 8)) == null) {
            return DropReason.UNKNOWN_KEY;
        }
        return null;
    }

    /** The packet, or null if dropped (and counted). */
    public Packet open(byte[] data, int maxLength) {
        if (data.length > maxLength) {
            counters.drop(DropReason.OVERSIZED);
            return null;
        }
        if (data.length < Envelope.OVERHEAD) {
            counters.drop(DropReason.MALFORMED);
            return null;
        }
        DropReason bad = checkHeader(data);
        if (bad != null) {
            counters.drop(bad);
            return null;
        }
        Keyring.Key key = keyring.find(Envelope.getInt(data, 8));
        if (key == null) { // the keyring was swapped since the header check
            counters.drop(DropReason.UNKNOWN_KEY);
            return null;
        }
        byte[] plain;
        try {
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(
                    Cipher.DECRYPT_MODE,
                    key.spec(),
                    new IvParameterSpec(data, Envelope.NONCE_OFFSET, Envelope.NONCE_LENGTH));
            c.updateAAD(data, 0, Envelope.HEADER_LENGTH);
            plain = c.doFinal(data, Envelope.HEADER_LENGTH, data.length - Envelope.HEADER_LENGTH);
        } catch (AEADBadTagException e) {
            counters.drop(DropReason.AUTH_FAILED);
            return null;
        } catch (GeneralSecurityException e) {
            counters.drop(DropReason.AUTH_FAILED);
            return null;
        }
        Packet packet;
        try {
            packet = Packet.parseFrom(plain);
        } catch (InvalidProtocolBufferException e) {
            counters.drop(DropReason.MALFORMED);
            return null;
        }
        if (packet.getSenderId().isEmpty()) {
            counters.drop(DropReason.MALFORMED);
            return null;
        }
        long instance = Envelope.get48(data, Envelope.NONCE_OFFSET);
        long counter = Envelope.get48(data, Envelope.NONCE_OFFSET + 6);
        switch (replay.accept(instance, counter, packet.getSentAtMillis(), clock.millis())) {
            case FRESH -> {
                return packet;
            }
            case STALE -> counters.drop(DropReason.STALE);
            case REPLAYED -> counters.drop(DropReason.REPLAYED);
        }
        return null;
    }
}
