package dev.weft.datapath.sleeve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption state shared with one peer: the static DH secret, our current transmit session and
 * the peer's last two receive sessions (so packets in flight across a rekey still decrypt), and the
 * keyring of pre-shared keys: sessions are started under the primary, received under whichever key
 * the frame's key id names (rotation). Thread
 * safe: transmit sessions are swapped under a lock, counters are atomic, replay windows locked.
 */
final class PeerSessions {
    final long ownId;
    final long peerId;
    private final byte[] ownPublic;
    private final byte[] peerPublic;
    private final byte[] dh;
    private volatile Keyring keys;

    private volatile TxSession tx;
    private RxSession current;
    private RxSession previous;

    /** Pre-shared keys with their ids, primary first. */
    record Keyring(List<byte[]> psks, int[] ids) {
        static Keyring of(List<byte[]> psks) {
            if (psks.isEmpty()) throw new IllegalArgumentException("at least one psk is needed");
            int[] ids = new int[psks.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = SleeveKeys.keyId(psks.get(i));
            return new Keyring(psks.stream().map(byte[]::clone).toList(), ids);
        }

        byte[] primary() {
            return psks.get(0);
        }

        int primaryId() {
            return ids[0];
        }
    }

    PeerSessions(long ownId, byte[] ownPrivate, byte[] psk, long peerId, byte[] peerPublic) {
        this(ownId, ownPrivate, List.of(psk), peerId, peerPublic);
    }

    PeerSessions(long ownId, byte[] ownPrivate, List<byte[]> psks, long peerId, byte[] peerPublic) {
        this.ownId = ownId;
        this.peerId = peerId;
        this.ownPublic = SleeveKeys.publicKey(ownPrivate);
        this.peerPublic = peerPublic.clone();
        this.dh = SleeveKeys.sharedSecret(ownPrivate, peerPublic);
        this.keys = Keyring.of(psks);
    }

    /**
     * Replaces the keyring (the secret file changed): the next packet starts a new transmit session under the new
     * primary; receive sessions already authenticated stay, new ones are accepted under any of the new keys.
     */
    void setPsks(List<byte[]> psks) {
        Keyring k = Keyring.of(psks);
        synchronized (this) {
            keys = k;
            tx = null;
        }
    }

    static final class TxSession {
        final long startMillis;
        final int random;
        final int keyId;
        final SecretKey key;
        final AtomicLong counter = new AtomicLong();

        TxSession(long startMillis, int random, int keyId, SecretKey key) {
            this.startMillis = startMillis;
            this.random = random;
            this.keyId = keyId;
            this.key = key;
        }
    }

    static final class RxSession {
        final long startMillis;
        final int random;
        final SecretKey key;
        final int keyId;
        final ReplayWindow window = new ReplayWindow();

        RxSession(long startMillis, int random, int keyId, SecretKey key) {
            this.startMillis = startMillis;
            this.random = random;
            this.keyId = keyId;
            this.key = key;
        }

        boolean is(long start, int rnd, int id) {
            return startMillis == start && random == rnd && keyId == id;
        }
    }

    /**
     * The session to send with at {@code nowMillis}; starts a new one (fresh key) when there is none,
     * it is older than {@code rekeyAfterMillis} or has sent {@code rekeyAfterPackets}. {@code
     * sessionStart} supplies strictly increasing session start times; returns true in {@code
     * rekeyed[0]} when a new session started.
     */
    TxSession txSession(
            long nowMillis,
            long rekeyAfterMillis,
            long rekeyAfterPackets,
            SessionClock sessionStart,
            boolean[] rekeyed) {
        TxSession s = tx;
        if (s != null && nowMillis - s.startMillis < rekeyAfterMillis && s.counter.get() < rekeyAfterPackets) {
            return s;
        }
        synchronized (this) {
            s = tx;
            if (s != null && nowMillis - s.startMillis < rekeyAfterMillis && s.counter.get() < rekeyAfterPackets) {
                return s;
            }
            long start = sessionStart.next(nowMillis);
            int rnd = sessionStart.random();
            Keyring ring = keys;
            byte[] k = SleeveKeys.sessionKey(dh, ring.primary(), ownId, peerId, ownPublic, peerPublic, start, rnd);
            s = new TxSession(start, rnd, ring.primaryId(), new SecretKeySpec(k, "ChaCha20"));
            tx = s;
            if (rekeyed != null) rekeyed[0] = true;
            return s;
        }
    }

    /**
     * The receive sessions to try for a packet's session and key id: the installed one, or new candidates (one per
     * configured key with that id, normally one; to be {@link #install}ed only after the packet authenticates). Empty
     * when the session is older than the ones we hold (a replay of an old session) or no configured key has the id.
     */
    synchronized List<RxSession> rxSessions(long start, int rnd, int keyId) {
        if (current != null && current.is(start, rnd, keyId)) return List.of(current);
        if (previous != null && previous.is(start, rnd, keyId)) return List.of(previous);
        if (current != null && start <= current.startMillis) return List.of();
        Keyring ring = keys;
        List<RxSession> out = new ArrayList<>(1);
        for (int i = 0; i < ring.ids().length; i++) {
            if (ring.ids()[i] != keyId) continue;
            byte[] k = SleeveKeys.sessionKey(dh, ring.psks().get(i), peerId, ownId, peerPublic, ownPublic, start, rnd);
            out.add(new RxSession(start, rnd, keyId, new SecretKeySpec(k, "ChaCha20")));
        }
        return out;
    }

    /** Whether a configured key has this id (else a frame is counted as sent under an unknown key). */
    boolean knowsKey(int keyId) {
        for (int id : keys.ids()) if (id == keyId) return true;
        return false;
    }

    /** Makes an authenticated candidate the current session; returns true if it was new. */
    synchronized boolean install(RxSession s) {
        if (s == current || s == previous) return false;
        if (current != null && s.startMillis <= current.startMillis) return false;
        previous = current;
        current = s;
        return true;
    }

    /** Strictly increasing session start times for one sender, plus session randoms. */
    interface SessionClock {
        long next(long nowMillis);

        int random();
    }
}
