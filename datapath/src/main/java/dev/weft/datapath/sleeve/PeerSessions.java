package dev.weft.datapath.sleeve;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The encryption state shared with one peer: the static DH secret, our current transmit session and
 * the peer's last two receive sessions (so packets in flight across a rekey still decrypt). Thread
 * safe: transmit sessions are swapped under a lock, counters are atomic, replay windows locked.
 */
final class PeerSessions {
    final long ownId;
    final long peerId;
    private final byte[] ownPublic;
    private final byte[] peerPublic;
    private final byte[] dh;
    private final byte[] psk;

    private volatile TxSession tx;
    private RxSession current;
    private RxSession previous;

    PeerSessions(long ownId, byte[] ownPrivate, byte[] psk, long peerId, byte[] peerPublic) {
        this.ownId = ownId;
        this.peerId = peerId;
        this.ownPublic = SleeveKeys.publicKey(ownPrivate);
        this.peerPublic = peerPublic.clone();
        this.dh = SleeveKeys.sharedSecret(ownPrivate, peerPublic);
        this.psk = psk.clone();
    }

    static final class TxSession {
        final long startMillis;
        final int random;
        final SecretKey key;
        final AtomicLong counter = new AtomicLong();

        TxSession(long startMillis, int random, SecretKey key) {
            this.startMillis = startMillis;
            this.random = random;
            this.key = key;
        }
    }

    static final class RxSession {
        final long startMillis;
        final int random;
        final SecretKey key;
        final ReplayWindow window = new ReplayWindow();

        RxSession(long startMillis, int random, SecretKey key) {
            this.startMillis = startMillis;
            this.random = random;
            this.key = key;
        }

        boolean is(long start, int rnd) {
            return startMillis == start && random == rnd;
        }
    }

    /**
     * The session to send with at {@code nowMillis}; starts a new one (fresh key) when there is none,
     * it is older than {@code rekeyAfterMillis} or has sent {@code rekeyAfterPackets}. {@code
     * sessionStart} supplies strictly increasing session start times; returns true in {@code
     * rekeyed[0]} when a new session started.
     */
    TxSession txSession(long nowMillis, long rekeyAfterMillis, long rekeyAfterPackets, SessionClock sessionStart,
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
            byte[] k = SleeveKeys.sessionKey(dh, psk, ownId, peerId, ownPublic, peerPublic, start, rnd);
            s = new TxSession(start, rnd, new SecretKeySpec(k, "ChaCha20"));
            tx = s;
            if (rekeyed != null) rekeyed[0] = true;
            return s;
        }
    }

    /**
     * The receive session for a packet's session id: an installed one, a new candidate (to be
     * {@link #install}ed only after the packet authenticates), or null when the id is older than
     * the sessions we hold (a replay of an old session, dropped).
     */
    synchronized RxSession rxSession(long start, int rnd) {
        if (current != null && current.is(start, rnd)) return current;
        if (previous != null && previous.is(start, rnd)) return previous;
        if (current != null && start <= current.startMillis) return null;
        byte[] k = SleeveKeys.sessionKey(dh, psk, peerId, ownId, peerPublic, ownPublic, start, rnd);
        return new RxSession(start, rnd, new SecretKeySpec(k, "ChaCha20"));
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
