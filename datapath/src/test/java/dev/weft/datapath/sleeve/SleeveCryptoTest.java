package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.crypto.KDF;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

class SleeveCryptoTest {
    static final HexFormat HEX = HexFormat.of();
    static final long A = 0x1111L;
    static final long B = 0x2222L;

    @Test
    void x25519MatchesRfc7748Vector() {
        byte[] alicePriv = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPriv = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        assertThat(HEX.formatHex(SleeveKeys.publicKey(alicePriv)))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HEX.formatHex(SleeveKeys.publicKey(bobPriv)))
                .isEqualTo("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assertThat(HEX.formatHex(SleeveKeys.sharedSecret(alicePriv, SleeveKeys.publicKey(bobPriv))))
                .isEqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    }

    @Test
    void lowOrderPeerKeyIsRefused() {
        byte[] priv = SleeveKeys.generatePrivateKey(new SecureRandom());
        assertThatThrownBy(() -> SleeveKeys.sharedSecret(priv, new byte[32]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("low-order");
    }

    @Test
    void sessionKeyIsHkdfSha256OverTheDocumentedInfo() throws Exception {
        byte[] dh = HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        byte[] psk = SleeveKeys.pskFromClusterSecret("s3cret".getBytes());
        byte[] pa = new byte[32];
        byte[] pb = new byte[32];
        pa[0] = 1;
        pb[0] = 2;
        byte[] key = SleeveKeys.sessionKey(dh, psk, A, B, pa, pb, 1_700_000_000_000L, 0x01020304);
        // independent implementation: the JDK's HKDF
        ByteBuffer info = ByteBuffer.allocate(14 + 8 + 8 + 32 + 32 + 8 + 4);
        info.put("weft-sleeve-v1".getBytes())
                .putLong(A)
                .putLong(B)
                .put(pa)
                .put(pb)
                .putLong(1_700_000_000_000L)
                .putInt(0x01020304);
        KDF hkdf = KDF.getInstance("HKDF-SHA256");
        byte[] expected = hkdf.deriveData(
                HKDFParameterSpec.ofExtract().addIKM(dh).addSalt(psk).thenExpand(info.array(), 32));
        assertThat(key).isEqualTo(expected);
        byte[] expectedPsk = hkdf.deriveData(HKDFParameterSpec.ofExtract()
                .addIKM("s3cret".getBytes())
                .addSalt("weft-sleeve-psk-v1".getBytes())
                .thenExpand(new byte[0], 32));
        assertThat(psk).isEqualTo(expectedPsk);
        // direction and session matter
        assertThat(SleeveKeys.sessionKey(dh, psk, B, A, pb, pa, 1_700_000_000_000L, 0x01020304))
                .isNotEqualTo(key);
        assertThat(SleeveKeys.sessionKey(dh, psk, A, B, pa, pb, 1_700_000_000_001L, 0x01020304))
                .isNotEqualTo(key);
        assertThat(SleeveKeys.sessionKey(dh, psk, A, B, pa, pb, 1_700_000_000_000L, 0x01020305))
                .isNotEqualTo(key);
    }

    static final class Pair {
        final byte[] privA;
        final byte[] privB;
        final PeerSessions aToB;
        final PeerSessions bFromA;

        Pair(long seed, byte[] secretA, byte[] secretB) {
            Random r = new Random(seed);
            privA = new byte[32];
            privB = new byte[32];
            r.nextBytes(privA);
            r.nextBytes(privB);
            aToB = new PeerSessions(A, privA, SleeveKeys.pskFromClusterSecret(secretA), B, SleeveKeys.publicKey(privB));
            bFromA = new PeerSessions(
                    B, privB, SleeveKeys.pskFromClusterSecret(secretB), A, SleeveKeys.publicKey(privA));
        }
    }

    static final class FixedClock implements PeerSessions.SessionClock {
        long last;

        @Override
        public long next(long now) {
            last = Math.max(last + 1, now);
            return last;
        }

        @Override
        public int random() {
            return 0x5eed;
        }
    }

    /** Builds a sealed frame of {@code payload} from a to b as TxQueue does. */
    static ByteBuf seal(PeerSessions.TxSession s, byte[] payload, long counter) {
        ByteBuf out = Unpooled.directBuffer(SealedFrame.OVERHEAD + payload.length);
        out.setInt(0, SealedFrame.TYPE_DATA_V2 << 24 | s.keyId);
        out.setLong(SealedFrame.OFF_SENDER, A);
        out.setLong(SealedFrame.OFF_SESSION_START, s.startMillis);
        out.setInt(SealedFrame.OFF_SESSION_RANDOM, s.random);
        out.setLong(SealedFrame.OFF_COUNTER, counter);
        out.setBytes(SealedFrame.HEADER, payload);
        int n = new PacketCipher().seal(out, 0, payload.length, s.key, counter);
        out.writerIndex(n);
        return out;
    }

    /** What the receive path does: session lookup, replay check, open, accept. Returns plaintext or null. */
    static byte[] open(PeerSessions rx, ByteBuf frame) {
        long start = frame.getLong(SealedFrame.OFF_SESSION_START);
        int rnd = frame.getInt(SealedFrame.OFF_SESSION_RANDOM);
        long counter = frame.getLong(SealedFrame.OFF_COUNTER);
        if ((frame.getInt(0) & 0xffff0000) != SealedFrame.TYPE_DATA_V2 << 24) return null;
        int keyId = frame.getUnsignedShort(SealedFrame.OFF_KEY_ID);
        // one copy, opened in place by each candidate in turn, as UdpHandler does
        ByteBuf copy = Unpooled.directBuffer(frame.readableBytes());
        copy.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
        PeerSessions.RxSession s = null;
        int n = -1;
        for (PeerSessions.RxSession c : rx.rxSessions(start, rnd, keyId)) {
            if (!c.window.canAccept(counter)) return null;
            n = new PacketCipher().open(copy, 0, copy.readableBytes(), c.key, counter);
            if (n >= 0) {
                s = c;
                break;
            }
        }
        if (s == null || !s.window.accept(counter)) return null;
        rx.install(s);
        byte[] out = new byte[n];
        copy.getBytes(SealedFrame.HEADER, out);
        return out;
    }

    @Test
    void roundTripAndCrossCheckWithBouncyCastle() throws Exception {
        Pair p = new Pair(1, "k".getBytes(), "k".getBytes());
        FixedClock clock = new FixedClock();
        PeerSessions.TxSession tx = p.aToB.txSession(1_000, 60_000, 1 << 20, clock, null);
        byte[] payload = HEX.parseHex("4500001c0000400040010000c6120a0ac6120b0a0800f7ff00000000");
        ByteBuf frame = seal(tx, payload, 7);
        assertThat(frame.readableBytes()).isEqualTo(SealedFrame.OVERHEAD + payload.length);
        // key id: the first two bytes of HKDF-SHA256(psk, salt "weft-sleeve-key-id-v1"), computed here with the JDK's
        // HKDF
        byte[] psk = SleeveKeys.pskFromClusterSecret("k".getBytes());
        byte[] id = KDF.getInstance("HKDF-SHA256")
                .deriveData(HKDFParameterSpec.ofExtract()
                        .addIKM(psk)
                        .addSalt("weft-sleeve-key-id-v1".getBytes())
                        .thenExpand(new byte[0], 32));
        assertThat(HEX.formatHex(bytes(frame, 0, 32)))
                .isEqualTo("8200" + HEX.formatHex(id, 0, 2) + "0000000000001111" + "00000000000003e8" + "00005eed"
                        + "0000000000000007");
        // the same bytes from BC's ChaCha20-Poly1305 with nonce = 0^4 | counter and AAD = header
        ChaCha20Poly1305 bc = new ChaCha20Poly1305();
        byte[] nonce = HEX.parseHex("000000000000000000000007");
        bc.init(
                true,
                new AEADParameters(
                        new KeyParameter(((SecretKeySpec) tx.key).getEncoded()), 128, nonce, bytes(frame, 0, 32)));
        byte[] ct = new byte[bc.getOutputSize(payload.length)];
        int n = bc.processBytes(payload, 0, payload.length, ct, 0);
        bc.doFinal(ct, n);
        assertThat(bytes(frame, 32, frame.readableBytes() - 32)).isEqualTo(ct);
        assertThat(open(p.bFromA, frame)).isEqualTo(payload);
    }

    static List<byte[]> psks(String... secrets) {
        return Arrays.stream(secrets)
                .map(x -> SleeveKeys.pskFromClusterSecret(x.getBytes()))
                .toList();
    }

    @Test
    void rotationSendsWithThePrimaryAndReceivesUnderEveryConfiguredKey() {
        Random r = new Random(11);
        byte[] privA = new byte[32];
        byte[] privB = new byte[32];
        r.nextBytes(privA);
        r.nextBytes(privB);
        byte[] pubA = SleeveKeys.publicKey(privA);
        byte[] pubB = SleeveKeys.publicKey(privB);
        FixedClock clock = new FixedClock();
        // step 2 of the procedure: A still has only OLD, B already has NEW as second key... and then as primary
        PeerSessions a = new PeerSessions(A, privA, psks("old"), B, pubB);
        PeerSessions b = new PeerSessions(B, privB, psks("new", "old"), A, pubA);
        PeerSessions onlyNew = new PeerSessions(B, privB, psks("new"), A, pubA);
        byte[] payload = new byte[48];
        r.nextBytes(payload);
        PeerSessions.TxSession oldTx = a.txSession(1_000, 60_000, 1 << 20, clock, null);
        ByteBuf underOld = seal(oldTx, payload, 0);
        assertThat(underOld.getUnsignedShort(SealedFrame.OFF_KEY_ID))
                .isEqualTo(SleeveKeys.keyId(psks("old").get(0)));
        assertThat(open(b, underOld)).as("B accepts its second key").isEqualTo(payload);
        assertThat(open(onlyNew, underOld)).as("a node without OLD drops it").isNull();
        assertThat(onlyNew.knowsKey(SleeveKeys.keyId(psks("old").get(0)))).isFalse();

        // A's secret file changes to NEW, OLD: its next packet starts a session under NEW, which B and onlyNew accept
        a.setPsks(psks("new", "old"));
        boolean[] rekeyed = {false};
        PeerSessions.TxSession tx = a.txSession(1_001, 60_000, 1 << 20, clock, rekeyed);
        assertThat(rekeyed[0])
                .as("a new session at once, not at the next rekey")
                .isTrue();
        assertThat(tx.keyId).isEqualTo(SleeveKeys.keyId(psks("new").get(0)));
        ByteBuf underNew = seal(tx, payload, 0);
        assertThat(open(b, underNew)).isEqualTo(payload);
        assertThat(open(onlyNew, underNew)).isEqualTo(payload);
        // a frame of the old session still in flight opens at B (its previous session is kept)
        assertThat(open(b, seal(oldTx, payload, 1))).isEqualTo(payload);
        // after the last step (NEW alone) frames under OLD are unknown
        b.setPsks(psks("new"));
        PeerSessions c = new PeerSessions(A, privA, psks("old"), B, pubB);
        assertThat(open(b, seal(c.txSession(5_000, 60_000, 1 << 20, clock, null), payload, 0)))
                .isNull();
    }

    @Test
    void twoKeysWithTheSameIdAreBothTriedAndAFailedTryLeavesTheFrameIntact() {
        // find a secret whose key id collides with "right"'s (1 in 65,536 per try: a fraction of a second)
        int target = SleeveKeys.keyId(psks("right").get(0));
        String wrong = null;
        for (int i = 0; wrong == null; i++) {
            if (SleeveKeys.keyId(psks("w" + i).get(0)) == target) wrong = "w" + i;
        }
        Random r = new Random(12);
        byte[] privA = new byte[32];
        byte[] privB = new byte[32];
        r.nextBytes(privA);
        r.nextBytes(privB);
        PeerSessions a = new PeerSessions(A, privA, psks("right"), B, SleeveKeys.publicKey(privB));
        PeerSessions b = new PeerSessions(B, privB, psks(wrong, "right"), A, SleeveKeys.publicKey(privA));
        byte[] payload = new byte[64];
        r.nextBytes(payload);
        ByteBuf f = seal(a.txSession(1_000, 60_000, 1 << 20, new FixedClock(), null), payload, 0);
        assertThat(b.rxSessions(
                        f.getLong(SealedFrame.OFF_SESSION_START), f.getInt(SealedFrame.OFF_SESSION_RANDOM), target))
                .hasSize(2);
        assertThat(open(b, f)).isEqualTo(payload);
    }

    static byte[] bytes(ByteBuf b, int at, int len) {
        byte[] out = new byte[len];
        b.getBytes(at, out);
        return out;
    }

    @Test
    void everyTamperedByteIsRejected() {
        Pair p = new Pair(2, "k".getBytes(), "k".getBytes());
        PeerSessions.TxSession tx = p.aToB.txSession(1_000, 60_000, 1 << 20, new FixedClock(), null);
        byte[] payload = new byte[64];
        new Random(3).nextBytes(payload);
        ByteBuf frame = seal(tx, payload, 0);
        // headers bytes 4..31 carry sender/session/counter: changing them changes lookup or AAD; flip each byte
        for (int i = 0; i < frame.readableBytes(); i++) {
            if (i >= SealedFrame.OFF_SENDER && i < SealedFrame.OFF_SESSION_START) continue; // sender id: peer lookup
            ByteBuf t = Unpooled.copiedBuffer(frame);
            t.setByte(i, t.getByte(i) ^ 0x01);
            PeerSessions fresh = new Pair(2, "k".getBytes(), "k".getBytes()).bFromA;
            assertThat(open(fresh, t)).as("flipped byte %d", i).isNull();
        }
        assertThat(open(p.bFromA, frame)).isEqualTo(payload);
    }

    @Test
    void replayedAndTooOldCountersAreRejected() {
        Pair p = new Pair(4, "k".getBytes(), "k".getBytes());
        PeerSessions.TxSession tx = p.aToB.txSession(1_000, 60_000, 1 << 20, new FixedClock(), null);
        byte[] payload = new byte[40];
        ByteBuf f5 = seal(tx, payload, 5);
        assertThat(open(p.bFromA, f5)).isNotNull();
        assertThat(open(p.bFromA, f5)).as("exact replay").isNull();
        assertThat(open(p.bFromA, seal(tx, payload, 3)))
                .as("older but inside the window, first time")
                .isNotNull();
        assertThat(open(p.bFromA, seal(tx, payload, 5000))).isNotNull();
        assertThat(open(p.bFromA, seal(tx, payload, 4))).as("behind the window").isNull();
    }

    @Test
    void wrongPrivateKeyOrWrongClusterSecretFailsAuthentication() {
        Pair good = new Pair(5, "k".getBytes(), "k".getBytes());
        PeerSessions.TxSession tx = good.aToB.txSession(1_000, 60_000, 1 << 20, new FixedClock(), null);
        ByteBuf frame = seal(tx, new byte[40], 0);
        Pair otherSecret = new Pair(5, "k".getBytes(), "other".getBytes());
        assertThat(open(otherSecret.bFromA, frame)).isNull();
        byte[] impostor = new byte[32];
        new Random(99).nextBytes(impostor);
        PeerSessions believesOtherKey = new PeerSessions(
                B, good.privB, SleeveKeys.pskFromClusterSecret("k".getBytes()), A, SleeveKeys.publicKey(impostor));
        assertThat(open(believesOtherKey, frame)).isNull();
        assertThat(open(good.bFromA, frame)).isNotNull();
    }

    @Test
    void rekeyStartsAFreshSessionAndOldSessionsAreRefusedOnceSuperseded() {
        Pair p = new Pair(6, "k".getBytes(), "k".getBytes());
        FixedClock clock = new FixedClock();
        boolean[] rekeyed = new boolean[1];
        PeerSessions.TxSession s1 = p.aToB.txSession(1_000, 60_000, 1 << 20, clock, rekeyed);
        assertThat(rekeyed[0]).isTrue();
        rekeyed[0] = false;
        assertThat(p.aToB.txSession(30_000, 60_000, 1 << 20, clock, rekeyed)).isSameAs(s1);
        assertThat(rekeyed[0]).isFalse();
        PeerSessions.TxSession s2 = p.aToB.txSession(61_000, 60_000, 1 << 20, clock, rekeyed);
        assertThat(s2).isNotSameAs(s1);
        assertThat(s2.startMillis).isGreaterThan(s1.startMillis);
        assertThat(s2.key.getEncoded()).isNotEqualTo(s1.key.getEncoded());
        // packet-count rekey
        s2.counter.set(1 << 20);
        assertThat(p.aToB.txSession(61_001, 60_000, 1 << 20, clock, null)).isNotSameAs(s2);

        ByteBuf old = seal(s1, new byte[40], 0);
        ByteBuf oldLater = seal(s1, new byte[40], 1);
        ByteBuf cur = seal(s2, new byte[40], 0);
        assertThat(open(p.bFromA, old)).isNotNull();
        assertThat(open(p.bFromA, cur)).isNotNull();
        assertThat(open(p.bFromA, oldLater))
                .as("previous session still accepted in flight")
                .isNotNull();
        PeerSessions.TxSession s3 = p.aToB.txSession(200_000, 60_000, 1 << 20, clock, null);
        assertThat(open(p.bFromA, seal(s3, new byte[40], 0))).isNotNull();
        assertThat(open(p.bFromA, seal(s1, new byte[40], 2)))
                .as("two sessions back: refused")
                .isNull();
    }

    @Test
    void restartedSenderUsesAFreshKeyEvenWithTheSameClock() {
        Pair p = new Pair(7, "k".getBytes(), "k".getBytes());
        PeerSessions.TxSession s1 = p.aToB.txSession(1_000, 60_000, 1 << 20, new FixedClock(), null);
        // a restart: new PeerSessions, same wall clock value, different session random
        PeerSessions restarted = new PeerSessions(
                A, p.privA, SleeveKeys.pskFromClusterSecret("k".getBytes()), B, SleeveKeys.publicKey(p.privB));
        PeerSessions.TxSession s2 = restarted.txSession(
                1_000,
                60_000,
                1 << 20,
                new PeerSessions.SessionClock() {
                    @Override
                    public long next(long now) {
                        return now;
                    }

                    @Override
                    public int random() {
                        return 0x1234;
                    }
                },
                null);
        assertThat(s2.key.getEncoded()).isNotEqualTo(s1.key.getEncoded());
    }
}
