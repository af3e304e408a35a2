package dev.weft.gossip.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.proto.Ack;
import dev.weft.gossip.wire.proto.Endpoint;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.Ping;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_764_000_000_000L), ZoneOffset.UTC);
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SECRET2 = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    private final WireCounters counters = new WireCounters();

    private static Packet samplePacket() {
        return Packet.newBuilder()
                .setSenderId("peer-1")
                .setPing(Ping.newBuilder().setSeq(7).setTargetId("peer-2"))
                .addGossip(MemberUpdate.newBuilder()
                        .setStatus(MemberStatus.ALIVE)
                        .setMemberId("peer-3")
                        .setIncarnation(4)
                        .setAddress(Endpoint.newBuilder()
                                .setIp(ByteString.copyFrom(new byte[] {(byte) 192, 0, 2, 3}))
                                .setPort(6770))
                        .setRecord(ByteString.copyFromUtf8("rec")))
                .build();
    }

    private Opener opener(Keyring kr) {
        return new Opener(kr, CLOCK, new ReplayGuard(300_000, 1024), counters);
    }

    /** Protobuf encoding of the plaintext is pinned: field numbers must never change. */
    @Test
    void goldenPacketBytes() {
        Packet p =
                samplePacket().toBuilder().setSentAtMillis(1_764_000_000_000L).build();
        assertThat(HEX.formatHex(p.toByteArray()))
                .isEqualTo(
                        // 1: sent_at varint | 2: "peer-1" | 10 (ping): seq 7, "peer-2" | 20 (gossip): ALIVE "peer-3"
                        // inc 4
                        // address {ip c0000203, port 6770} record "rec"
                        "0880d0dfb4ab33" + "1206706565722d31" + "520a08071206706565722d32"
                                + "a2011c08011206706565722d33180422090a04c000020310f2342a03726563");
    }

    private static final byte[] SESSION = HEX.parseHex("000102030405060708090a0b0c0d0e0f");

    @Test
    void goldenEnvelopeWithSecret() {
        Keyring kr = Keyring.withSecrets("prod-eu", List.of(SECRET));
        Sealer sealer = new Sealer(kr, CLOCK, SESSION, 9);
        byte[] sealed = sealer.seal(samplePacket(), 1400);
        String hex = HEX.formatHex(sealed);
        // header: magic, version 2, flags secret, cluster tag, key id, session id, counter
        assertThat(hex.substring(0, 72))
                .isEqualTo("57460201" + String.format("%08x", Keyring.clusterTag("prod-eu"))
                        + String.format("%08x", kr.primary().id()) + "000102030405060708090a0b0c0d0e0f"
                        + "0000000000000009");
        assertThat(hex).isEqualTo(GOLDEN_SECRET);
        assertThat(opener(kr).open(sealed, 1400))
                .isEqualTo(samplePacket().toBuilder()
                        .setSentAtMillis(CLOCK.millis())
                        .build());
    }

    static final String GOLDEN_SECRET = "57460201c91341de74f44a76000102030405060708090a0b0c0d0e0f0000000000000009"
            + "eab9233bc9006cba98afdd8ccb5daab511e05d9d20e875d828f9168eb35d01226f6154d04016a23937560a907ecf6589997b"
            + "4132ed474094495b492ca50d2b8fb6c46f0aa88fcfb51754";

    /** The key id has its own HKDF label: not a hash of the secret, not a prefix of the key or of its hash. */
    @Test
    void keyIdHasItsOwnHkdfLabel() throws Exception {
        Keyring kr = Keyring.withSecrets("prod-eu", List.of(SECRET));
        byte[] expected = Hkdf.deriveSha256(
                "weft-gossip-v1".getBytes(StandardCharsets.US_ASCII),
                SECRET,
                "weft gossip key id prod-eu".getBytes(StandardCharsets.UTF_8),
                4);
        assertThat(kr.primary().id()).isEqualTo(Envelope.getInt(expected, 0));
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] key = kr.primary().spec().getEncoded();
        assertThat(kr.primary().id())
                .isNotEqualTo(Envelope.getInt(sha.digest(SECRET), 0))
                .isNotEqualTo(Envelope.getInt(sha.digest(key), 0))
                .isNotEqualTo(Envelope.getInt(key, 0));
        assertThat(HEX.formatHex(expected))
                .as("pinned: receivers of other versions must agree")
                .isEqualTo("74f44a76");
        // the cluster name is part of it: one secret gives other ids in other clusters
        assertThat(Keyring.withSecrets("other", List.of(SECRET)).primary().id())
                .isNotEqualTo(kr.primary().id());
    }

    /**
     * The envelope is plain RFC 8439 ChaCha20-Poly1305 under the RFC 5869 session key: an independent implementation
     * (Bouncy Castle's HKDF and AEAD) opens it.
     */
    @Test
    void independentImplementationOpensTheEnvelope() throws Exception {
        Keyring kr = Keyring.withSecrets("prod-eu", List.of(SECRET));
        byte[] sealed = new Sealer(kr, CLOCK, SESSION, 1).seal(samplePacket(), 1400);
        org.bouncycastle.crypto.generators.HKDFBytesGenerator hkdf =
                new org.bouncycastle.crypto.generators.HKDFBytesGenerator(
                        new org.bouncycastle.crypto.digests.SHA256Digest());
        hkdf.init(new org.bouncycastle.crypto.params.HKDFParameters(
                kr.primary().spec().getEncoded(),
                SESSION,
                "weft gossip session v2".getBytes(StandardCharsets.US_ASCII)));
        byte[] sessionKey = new byte[32];
        hkdf.generateBytes(sessionKey, 0, 32);
        ChaCha20Poly1305 bc = new ChaCha20Poly1305();
        byte[] nonce = new byte[12];
        System.arraycopy(sealed, 28, nonce, 4, 8);
        byte[] aad = java.util.Arrays.copyOfRange(sealed, 0, 36);
        bc.init(false, new AEADParameters(new KeyParameter(sessionKey), 128, nonce, aad));
        byte[] out = new byte[bc.getOutputSize(sealed.length - 36)];
        int n = bc.processBytes(sealed, 36, sealed.length - 36, out, 0);
        n += bc.doFinal(out, n);
        assertThat(Packet.parseFrom(java.util.Arrays.copyOf(out, n)).getSenderId())
                .isEqualTo("peer-1");
    }

    /**
     * A restarted sender starts its counter at 0 again, but under a new session id, hence a new key: the same packet
     * with the same counter is sealed differently, and neither is taken for a replay of the other.
     */
    @Test
    void aRestartedSenderNeverReusesAKeyAndNonce() {
        Keyring kr = Keyring.withSecrets("r", List.of(SECRET));
        java.security.SecureRandom sr = new java.security.SecureRandom();
        Sealer before = Sealer.create(kr, CLOCK, sr);
        Sealer after = Sealer.create(kr, CLOCK, sr);
        byte[] a = before.seal(samplePacket(), 1400);
        byte[] b = after.seal(samplePacket(), 1400);
        assertThat(java.util.Arrays.copyOfRange(a, 28, 36)).isEqualTo(java.util.Arrays.copyOfRange(b, 28, 36));
        assertThat(before.session()).isNotEqualTo(after.session());
        assertThat(java.util.Arrays.copyOfRange(a, 36, a.length))
                .isNotEqualTo(java.util.Arrays.copyOfRange(b, 36, b.length));
        Opener op = opener(kr);
        assertThat(op.open(a, 1400)).isNotNull();
        assertThat(op.open(b, 1400)).isNotNull();
        assertThat(counters.dropped(DropReason.REPLAYED)).isZero();
    }

    /** A version-1 envelope (older Weft) is refused with its own reason, before any key is tried. */
    @Test
    void versionOneEnvelopesAreRefusedAsUnsupportedVersion() {
        Keyring kr = Keyring.withSecrets("prod-eu", List.of(SECRET));
        byte[] v1 = HEX.parseHex(OLD_V1_GOLDEN);
        assertThat(opener(kr).open(v1, 1400)).isNull();
        assertThat(counters.dropped(DropReason.UNSUPPORTED_VERSION)).isEqualTo(1);
        assertThat(opener(kr).checkHeader(java.util.Arrays.copyOf(v1, 36))).isEqualTo(DropReason.UNSUPPORTED_VERSION);
    }

    /** The golden envelope of version 1 (24-byte header), as sealed by Weft before the v2 envelope. */
    static final String OLD_V1_GOLDEN = "57460101c91341def34ab892000102030405000000000009"
            + "b154dba4e496ba3d3fc22db540d46ba34aa26cd56790924a2898cc5ceaca1d2d1cc931d7390a64ee0901d3609d5bc653"
            + "85984661fc404f23a4b71bc157cad06c057b06c7d1bc6cac410e";

    @Test
    void withoutSecretPacketsAreStillBoundToTheClusterName() {
        Keyring a = Keyring.withoutSecret("a");
        byte[] sealed =
                Sealer.create(a, CLOCK, new java.security.SecureRandom()).seal(samplePacket(), 1400);
        assertThat(sealed[3]).isZero();
        assertThat(opener(a).open(sealed, 1400)).isNotNull();
        assertThat(opener(Keyring.withoutSecret("b")).open(sealed, 1400)).isNull();
        assertThat(counters.dropped(DropReason.FOREIGN_CLUSTER)).isEqualTo(1);
        assertThat(opener(Keyring.withSecrets("a", List.of(SECRET))).open(sealed, 1400))
                .isNull();
        assertThat(counters.dropped(DropReason.SECURITY_MISMATCH)).isEqualTo(1);
    }

    @Test
    void wrongSecretIsUnknownKeyAndTamperingFailsAuthentication() {
        Keyring good = Keyring.withSecrets("c", List.of(SECRET));
        byte[] sealed =
                Sealer.create(good, CLOCK, new java.security.SecureRandom()).seal(samplePacket(), 1400);
        assertThat(opener(Keyring.withSecrets("c", List.of(SECRET2))).open(sealed, 1400))
                .isNull();
        assertThat(counters.dropped(DropReason.UNKNOWN_KEY)).isEqualTo(1);
        for (int i : new int[] {12, 27, 35, 36, sealed.length / 2, sealed.length - 1}) {
            byte[] t = sealed.clone();
            t[i] ^= 0x40;
            assertThat(opener(good).open(t, 1400)).isNull();
        }
        assertThat(counters.dropped(DropReason.AUTH_FAILED)).isEqualTo(6);
    }

    @Test
    void keyRotationWithoutDowntime() {
        Keyring old = Keyring.withSecrets("r", List.of(SECRET));
        Keyring both = Keyring.withSecrets("r", List.of(SECRET, SECRET2));
        Keyring newPrimary = Keyring.withSecrets("r", List.of(SECRET2, SECRET));
        Keyring onlyNew = Keyring.withSecrets("r", List.of(SECRET2));
        java.security.SecureRandom sr = new java.security.SecureRandom();
        // step 1: some members know both, old primary everywhere
        assertThat(opener(both).open(Sealer.create(old, CLOCK, sr).seal(samplePacket(), 1400), 1400))
                .isNotNull();
        // step 2: some switch primary; members with both still accept, old-only ones do not yet exist anymore
        assertThat(opener(both).open(Sealer.create(newPrimary, CLOCK, sr).seal(samplePacket(), 1400), 1400))
                .isNotNull();
        assertThat(opener(newPrimary).open(Sealer.create(both, CLOCK, sr).seal(samplePacket(), 1400), 1400))
                .isNotNull();
        // step 3: old key removed
        assertThat(opener(onlyNew).open(Sealer.create(newPrimary, CLOCK, sr).seal(samplePacket(), 1400), 1400))
                .isNotNull();
        assertThat(opener(onlyNew).open(Sealer.create(old, CLOCK, sr).seal(samplePacket(), 1400), 1400))
                .isNull();
    }

    @Test
    void replayedAndStalePacketsAreDropped() {
        Keyring kr = Keyring.withSecrets("x", List.of(SECRET));
        Opener op = opener(kr);
        byte[] sealed =
                Sealer.create(kr, CLOCK, new java.security.SecureRandom()).seal(samplePacket(), 1400);
        assertThat(op.open(sealed, 1400)).isNotNull();
        assertThat(op.open(sealed, 1400)).isNull();
        assertThat(counters.dropped(DropReason.REPLAYED)).isEqualTo(1);
        Clock old = Clock.offset(CLOCK, java.time.Duration.ofMinutes(-10));
        byte[] stale = Sealer.create(kr, old, new java.security.SecureRandom()).seal(samplePacket(), 1400);
        assertThat(op.open(stale, 1400)).isNull();
        assertThat(counters.dropped(DropReason.STALE)).isEqualTo(1);
    }

    @Test
    void sizeLimitsBothWays() {
        Keyring kr = Keyring.withoutSecret("s");
        Packet big = samplePacket().toBuilder()
                .addGossip(MemberUpdate.newBuilder().setMemberId("z").setRecord(ByteString.copyFrom(new byte[2000])))
                .build();
        assertThatThrownBy(() -> Sealer.create(kr, CLOCK, new java.security.SecureRandom())
                        .seal(big, 1400))
                .isInstanceOf(PacketTooLargeException.class)
                .hasMessageContaining("1400");
        byte[] ok = Sealer.create(kr, CLOCK, new java.security.SecureRandom()).seal(big, 4096);
        assertThat(opener(kr).open(ok, 1400)).isNull();
        assertThat(counters.dropped(DropReason.OVERSIZED)).isEqualTo(1);
    }

    @Test
    void garbageAndMutationsOnlyMoveCounters() throws Exception {
        Keyring kr = Keyring.withSecrets("g", List.of(SECRET));
        Opener op = opener(kr);
        Sealer sealer = Sealer.create(kr, CLOCK, new java.security.SecureRandom());
        Random rnd = new Random(1234);
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] data;
            if (i % 2 == 0) {
                data = new byte[rnd.nextInt(1500)];
                rnd.nextBytes(data);
                if (i % 4 == 0 && data.length > Envelope.HEADER_LENGTH) {
                    data[0] = Envelope.MAGIC_0;
                    data[1] = Envelope.MAGIC_1;
                    data[2] = Envelope.VERSION;
                    data[3] = 1;
                    Envelope.putInt(data, 4, kr.clusterTag());
                    Envelope.putInt(data, 8, kr.primary().id());
                }
            } else {
                data = sealer.seal(samplePacket(), 1400);
                int flips = 1 + rnd.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    int pos = rnd.nextInt(data.length);
                    data[pos] ^= (byte) (1 + rnd.nextInt(255));
                }
                if (rnd.nextInt(10) == 0) {
                    data = java.util.Arrays.copyOf(data, rnd.nextInt(data.length));
                }
            }
            if (op.open(data, 1400) != null) {
                accepted++;
            }
        }
        assertThat(accepted).isZero();
        WireCounters.Snapshot s = counters.snapshot();
        assertThat(s.droppedTotal()).isEqualTo(10_000);
        assertThat(s.dropped(DropReason.AUTH_FAILED)).isPositive();
        assertThat(s.dropped(DropReason.BAD_MAGIC)).isPositive();
        // plaintext that decrypts but is not a Packet is MALFORMED, not a crash
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        byte[] hdr = sealer.seal(samplePacket(), 1400);
        hdr[34] ^= 0x55; // new nonce (counter bytes)
        c.init(
                Cipher.ENCRYPT_MODE,
                Keyring.sessionKey(kr.primary(), hdr, Envelope.SESSION_OFFSET),
                new IvParameterSpec(Envelope.nonce(Envelope.getLong(hdr, Envelope.COUNTER_OFFSET))));
        c.updateAAD(hdr, 0, Envelope.HEADER_LENGTH);
        byte[] junk = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
        byte[] ct = c.doFinal(junk);
        byte[] pkt = java.util.Arrays.copyOf(hdr, Envelope.HEADER_LENGTH + ct.length);
        System.arraycopy(ct, 0, pkt, Envelope.HEADER_LENGTH, ct.length);
        assertThat(op.open(pkt, 1400)).isNull();
        assertThat(counters.dropped(DropReason.MALFORMED)).isPositive();
    }

    @Test
    void ackRoundTrip() {
        Keyring kr = Keyring.withoutSecret("rt");
        Packet p = Packet.newBuilder()
                .setSenderId("a")
                .setAck(Ack.newBuilder().setSeq(Long.MAX_VALUE))
                .build();
        Packet back = opener(kr)
                .open(Sealer.create(kr, CLOCK, new java.security.SecureRandom()).seal(p, 1400), 1400);
        assertThat(back.getAck().getSeq()).isEqualTo(Long.MAX_VALUE);
        assertThat(back.getSenderId()).isEqualTo("a");
    }
}
