package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Kernel-path probes under per-pair keys: forged, altered, replayed or unauthenticated probes and answers are dropped,
 * counted by reason, and change no peer's path state; good ones work across a key rotation. The attack of issue 13:
 * a third node C, holding the cluster secret, forges probes and answers in B's name to A.
 */
class VxlanProbeAuthTest {
    static final long A = 0xaaaaL;
    static final long B = 0xbbbbL;
    static final long C = 0xccccL;
    private static final InetSocketAddress A_ADDR = new InetSocketAddress("10.32.0.1", 6773);
    private static final InetSocketAddress B_ADDR = new InetSocketAddress("10.32.0.2", 6773);
    private static final long SESSION_A = 0x1234_5678_9abc_def0L;

    static byte[] priv(long id) {
        byte[] k = new byte[32];
        for (int i = 0; i < 32; i++) k[i] = (byte) (id * 31 + i * 7);
        return k;
    }

    static byte[] pub(long id) {
        return SleeveKeys.publicKey(priv(id));
    }

    static List<byte[]> psks(String... secrets) {
        List<byte[]> out = new ArrayList<>();
        for (String s : secrets) out.add(SleeveKeys.pskFromClusterSecret(s.getBytes(StandardCharsets.US_ASCII)));
        return out;
    }

    /** Node {@code own}'s probe keys for A, B and C under these cluster secrets. */
    static ProbeAuth auth(long own, String... secrets) {
        return ProbeAuth.of(own, priv(own), psks(secrets)).withPeers(Map.of(A, pub(A), B, pub(B), C, pub(C)));
    }

    private final List<long[]> answers = new ArrayList<>();

    private VxlanProbe.Handler handler(long own, ProbeAuth auth, long session) {
        return new VxlanProbe.Handler(own, (peer, seq) -> answers.add(new long[] {peer, seq}), auth, session);
    }

    /** A probe written by a node holding {@code auth}, naming {@code sender}, tagged for {@code to}. */
    static ByteBuf probe(ProbeAuth auth, int type, long sender, long to, long session, long seq) {
        ByteBuf b = Unpooled.buffer(ProbeAuth.LENGTH);
        assertThat(auth.write(b, type, sender, to, session, seq, new ProbeMac()))
                .as("has a key for " + Long.toHexString(to))
                .isTrue();
        return b;
    }

    private static DatagramPacket from(InetSocketAddress sender, InetSocketAddress to, ByteBuf b) {
        return new DatagramPacket(b, to, sender);
    }

    @Test
    void goldenAuthenticatedRequest() {
        ByteBuf b = probe(auth(A, "cluster-secret"), ProbeAuth.REQUEST, A, B, SESSION_A, 7);
        byte[] bytes = new byte[b.readableBytes()];
        b.getBytes(0, bytes);
        String hex = HexFormat.of().formatHex(bytes);
        int keyId = SleeveKeys.keyId(psks("cluster-secret").get(0));
        assertThat(hex.substring(0, 64))
                .isEqualTo("5750" + "01" + "03" + String.format("%04x", keyId) + "01" + "00" + "000000000000aaaa"
                        + "123456789abcdef0" + "0000000000000007");
        assertThat(hex).hasSize(96).isEqualTo(GOLDEN_REQUEST);
        // the tag, recomputed with Bouncy Castle's X25519, HKDF and HMAC from the documented derivation
        byte[] dh = new byte[32];
        org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(priv(B), 0, pub(A), 0, dh, 0);
        byte[] info = java.nio.ByteBuffer.allocate(18 + 16 + 64)
                .put("weft-probe-pair-v1".getBytes(StandardCharsets.US_ASCII))
                .putLong(A)
                .putLong(B)
                .put(pub(A))
                .put(pub(B))
                .array();
        org.bouncycastle.crypto.generators.HKDFBytesGenerator hkdf =
                new org.bouncycastle.crypto.generators.HKDFBytesGenerator(
                        new org.bouncycastle.crypto.digests.SHA256Digest());
        hkdf.init(new org.bouncycastle.crypto.params.HKDFParameters(
                dh, psks("cluster-secret").get(0), info));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, 32);
        org.bouncycastle.crypto.macs.HMac mac =
                new org.bouncycastle.crypto.macs.HMac(new org.bouncycastle.crypto.digests.SHA256Digest());
        mac.init(new org.bouncycastle.crypto.params.KeyParameter(key));
        mac.update(bytes, 0, 32);
        byte[] full = new byte[32];
        mac.doFinal(full, 0);
        assertThat(java.util.Arrays.copyOfRange(bytes, 32, 48)).isEqualTo(java.util.Arrays.copyOf(full, 16));
    }

    static final String GOLDEN_REQUEST =
            "5750010305cd0100000000000000aaaa123456789abcdef00000000000000007" + "b9c453e15bd0aff009c19d5517e50016";

    @Test
    void anAuthenticatedRequestIsAnsweredAndItsAnswerReported() {
        EmbeddedChannel b = new EmbeddedChannel(handler(B, auth(B, "s"), 99));
        b.writeInbound(from(A_ADDR, B_ADDR, probe(auth(A, "s"), ProbeAuth.REQUEST, A, B, SESSION_A, 7)));
        DatagramPacket answer = b.readOutbound();
        assertThat(answer).isNotNull();
        assertThat(answer.recipient()).isEqualTo(A_ADDR);

        EmbeddedChannel a = new EmbeddedChannel(handler(A, auth(A, "s"), SESSION_A));
        a.writeInbound(from(B_ADDR, A_ADDR, answer.content()));
        assertThat(answers).singleElement().satisfies(x -> assertThat(x).containsExactly(B, 7));
    }

    @Test
    void forgedRequestsGetNoAnswerAndAreCountedByReason() {
        VxlanProbe.Handler h = handler(B, auth(B, "s"), 99);
        EmbeddedChannel b = new EmbeddedChannel(h);
        // no tag (a stranger, or an agent without the secret)
        b.writeInbound(from(A_ADDR, B_ADDR, probe(ProbeAuth.none(), ProbeAuth.REQUEST, A, B, SESSION_A, 1)));
        // tagged under another secret
        b.writeInbound(from(A_ADDR, B_ADDR, probe(auth(A, "other"), ProbeAuth.REQUEST, A, B, SESSION_A, 2)));
        // a good request with one bit changed (the sequence number)
        ByteBuf altered = probe(auth(A, "s"), ProbeAuth.REQUEST, A, B, SESSION_A, 3);
        altered.setByte(31, altered.getByte(31) ^ 1);
        b.writeInbound(from(A_ADDR, B_ADDR, altered));
        // a sender B has no sleeve key for (not a member it knows)
        ProbeAuth stranger = ProbeAuth.of(0xdddd, priv(0xdddd), psks("s")).withPeers(Map.of(B, pub(B)));
        b.writeInbound(from(A_ADDR, B_ADDR, probe(stranger, ProbeAuth.REQUEST, 0xdddd, B, SESSION_A, 4)));
        // version 1 (20 bytes, no tag) and version 2 (48 bytes, tagged under the cluster key) of older Weft
        b.writeInbound(from(
                A_ADDR,
                B_ADDR,
                Unpooled.buffer(20)
                        .writeShort(0x5750)
                        .writeByte(1)
                        .writeByte(1)
                        .writeLong(A)
                        .writeLong(4)));
        ByteBuf v2 = probe(auth(A, "s"), ProbeAuth.REQUEST, A, B, SESSION_A, 5);
        v2.setByte(3, 2);
        b.writeInbound(from(A_ADDR, B_ADDR, v2));
        // garbage
        b.writeInbound(from(A_ADDR, B_ADDR, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        assertThat((Object) b.readOutbound()).as("nothing is answered").isNull();
        assertThat(count(h, ProbeAuth.Drop.UNAUTHENTICATED)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_KEY)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_PEER)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.UNSUPPORTED_VERSION)).isEqualTo(2);
        assertThat(count(h, ProbeAuth.Drop.MALFORMED)).isEqualTo(1);
    }

    /**
     * The attack of a stranger: the kernel path to B is broken, someone answers A's probes in B's name to keep it
     * selected (or a recording of B's answers from A's previous start is replayed). A still falls back to the sleeve.
     */
    @Test
    void forgedAndReplayedAnswersDoNotKeepABrokenPathSelected() {
        List<String> changes = new ArrayList<>();
        PathHealth health = new PathHealth(
                new PathHealth.Settings(3, 3, Duration.ofSeconds(1), true),
                (peer, from, to, reason) -> changes.add(to.name()));
        health.addPeer(B);
        VxlanProbe.Handler h =
                new VxlanProbe.Handler(A, (peer, seq) -> health.onProbeAck(peer, seq, 0), auth(A, "s"), SESSION_A);
        EmbeddedChannel a = new EmbeddedChannel(h);
        long earlierSession = 0x0bad_5e55_1011L;
        for (long seq = 1; seq <= 3; seq++) {
            health.onProbeSent(B, seq, 0);
            a.writeInbound(from(B_ADDR, A_ADDR, probe(ProbeAuth.none(), ProbeAuth.ANSWER, B, A, SESSION_A, seq)));
            a.writeInbound(from(B_ADDR, A_ADDR, probe(auth(B, "guess"), ProbeAuth.ANSWER, B, A, SESSION_A, seq)));
            ByteBuf forgedTag = probe(auth(B, "s"), ProbeAuth.ANSWER, B, A, SESSION_A, seq);
            forgedTag.setByte(40, forgedTag.getByte(40) ^ 0x10);
            a.writeInbound(from(B_ADDR, A_ADDR, forgedTag));
            // a genuine answer of B, recorded while A ran with another session (before a restart)
            a.writeInbound(from(B_ADDR, A_ADDR, probe(auth(B, "s"), ProbeAuth.ANSWER, B, A, earlierSession, seq)));
        }
        health.onTick(Duration.ofSeconds(2).toNanos());
        assertThat(health.mode(B)).isEqualTo(PathHealth.Mode.SLEEVE);
        assertThat(changes).containsExactly("SLEEVE");
        assertThat(count(h, ProbeAuth.Drop.UNAUTHENTICATED)).isEqualTo(3);
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_KEY)).isEqualTo(3);
        assertThat(count(h, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(3);
        assertThat(count(h, ProbeAuth.Drop.FOREIGN_SESSION)).isEqualTo(3);
    }

    /**
     * The attack of a compromised node: C holds the cluster secret, has its own pair keys with A and B, and knows A's
     * probe session (A probes C too). The kernel path from A to B is broken; C answers A's probes in B's name with
     * every key it has. A drops them all ({@code auth_failed}) and falls back to the sleeve for B; C's requests in
     * B's name get no answer from A. With tags under the cluster key alone (before), C's answers kept the path.
     */
    @Test
    void aThirdNodeCannotAnswerOrProbeInAnotherNodesName() {
        ProbeAuth c = auth(C, "s");
        List<String> changes = new ArrayList<>();
        PathHealth health = new PathHealth(
                new PathHealth.Settings(3, 3, Duration.ofSeconds(1), true),
                (peer, from, to, reason) -> changes.add(Long.toHexString(peer) + ":" + to));
        health.addPeer(B);
        health.addPeer(C);
        VxlanProbe.Handler h =
                new VxlanProbe.Handler(A, (peer, seq) -> health.onProbeAck(peer, seq, 0), auth(A, "s"), SESSION_A);
        EmbeddedChannel a = new EmbeddedChannel(h);
        for (long seq = 1; seq <= 6; seq += 2) {
            health.onProbeSent(B, seq, 0); // lost: the kernel path to B is broken
            health.onProbeSent(C, seq + 1, 0);
            // C in B's name, tagged with C's key for A (A-C) and with C's key for B (B-C)
            a.writeInbound(from(B_ADDR, A_ADDR, probe(c, ProbeAuth.ANSWER, B, A, SESSION_A, seq)));
            a.writeInbound(from(B_ADDR, A_ADDR, probe(c, ProbeAuth.ANSWER, B, B, SESSION_A, seq)));
            // C's own answer to A's probe of C is genuine and counts for C only
            a.writeInbound(from(B_ADDR, A_ADDR, probe(c, ProbeAuth.ANSWER, C, A, SESSION_A, seq + 1)));
        }
        health.onTick(Duration.ofSeconds(2).toNanos());
        assertThat(count(h, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(6);
        assertThat(health.mode(B)).isEqualTo(PathHealth.Mode.SLEEVE);
        assertThat(health.mode(C)).isEqualTo(PathHealth.Mode.KERNEL);
        assertThat(changes).containsExactly("bbbb:SLEEVE");

        // C's requests in B's name: A answers none of them (no reflection, no answers A never owed B)
        VxlanProbe.Handler answerer = handler(A, auth(A, "s"), 5);
        EmbeddedChannel a2 = new EmbeddedChannel(answerer);
        a2.writeInbound(from(B_ADDR, A_ADDR, probe(c, ProbeAuth.REQUEST, B, A, 77, 1)));
        a2.writeInbound(from(B_ADDR, A_ADDR, probe(c, ProbeAuth.REQUEST, B, B, 77, 2)));
        assertThat((Object) a2.readOutbound()).isNull();
        assertThat(count(answerer, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(2);
        // and A's own request reflected back to it names A, for which A has no pair key
        a2.writeInbound(from(B_ADDR, A_ADDR, probe(auth(A, "s"), ProbeAuth.REQUEST, A, B, 77, 3)));
        assertThat((Object) a2.readOutbound()).isNull();
        assertThat(count(answerer, ProbeAuth.Drop.UNKNOWN_PEER)).isEqualTo(1);
    }

    /** A healthy peer: forged answers are not even seen, and good ones keep it on the kernel path. */
    @Test
    void forgedAnswersCannotPushAHealthyPeerOffTheKernelPath() {
        PathHealth healthy = new PathHealth(
                new PathHealth.Settings(3, 3, Duration.ofSeconds(1), true), (peer, from, to, reason) -> {});
        healthy.addPeer(B);
        VxlanProbe.Handler h2 =
                new VxlanProbe.Handler(A, (peer, seq) -> healthy.onProbeAck(peer, seq, 1), auth(A, "s"), SESSION_A);
        EmbeddedChannel a2 = new EmbeddedChannel(h2);
        for (long seq = 10; seq < 20; seq++) {
            healthy.onProbeSent(B, seq, 0);
            a2.writeInbound(from(B_ADDR, A_ADDR, probe(auth(C, "s"), ProbeAuth.ANSWER, B, A, SESSION_A, seq + 100)));
            a2.writeInbound(from(B_ADDR, A_ADDR, probe(auth(B, "s"), ProbeAuth.ANSWER, B, A, SESSION_A, seq)));
        }
        assertThat(healthy.mode(B)).isEqualTo(PathHealth.Mode.KERNEL);
        assertThat(healthy.snapshot().get(0).probesFailed()).isZero();
    }

    /** B restarted: a new sleeve key, so its old pair key with A no longer verifies anywhere. */
    @Test
    void aNewSleeveKeyOfThePeerChangesThePairKey() {
        ProbeAuth a = auth(A, "s");
        ProbeAuth bAfterRestart = ProbeAuth.of(B, priv(0xb0b), psks("s")).withPeers(Map.of(A, pub(A)));
        VxlanProbe.Handler h = handler(A, a, SESSION_A);
        new EmbeddedChannel(h)
                .writeInbound(from(B_ADDR, A_ADDR, probe(bAfterRestart, ProbeAuth.ANSWER, B, A, SESSION_A, 1)));
        assertThat(count(h, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(1);
        ProbeAuth learned = a.withPeers(Map.of(B, pub(0xb0b), C, pub(C)));
        assertThat(a.withPeers(Map.of(A, pub(A), B, pub(B), C, pub(C))))
                .as("unchanged: same object")
                .isSameAs(a);
        VxlanProbe.Handler h2 = handler(A, learned, SESSION_A);
        new EmbeddedChannel(h2)
                .writeInbound(from(B_ADDR, A_ADDR, probe(bAfterRestart, ProbeAuth.ANSWER, B, A, SESSION_A, 2)));
        assertThat(answers).singleElement().satisfies(x -> assertThat(x).containsExactly(B, 2));
    }

    @Test
    void probesWorkAcrossARotationOfTheSecret() {
        String[][] steps = {{"old"}, {"old", "new"}, {"new", "old"}, {"new"}};
        // every step of the procedure, with nodes on this step and the one before
        for (int step = 1; step < steps.length; step++) {
            for (int dir = 0; dir < 2; dir++) {
                String[] prober = steps[step - dir];
                String[] answerer = steps[step - 1 + dir];
                answers.clear();
                EmbeddedChannel b = new EmbeddedChannel(handler(B, auth(B, answerer), 5));
                b.writeInbound(from(A_ADDR, B_ADDR, probe(auth(A, prober), ProbeAuth.REQUEST, A, B, SESSION_A, 1)));
                DatagramPacket answer = b.readOutbound();
                assertThat(answer).as("answered").isNotNull();
                new EmbeddedChannel(handler(A, auth(A, prober), SESSION_A))
                        .writeInbound(from(B_ADDR, A_ADDR, answer.content()));
                assertThat(answers).as("answer accepted").hasSize(1);
            }
        }
        // a node that dropped the old key refuses a node that still sends with it (the procedure never does that)
        VxlanProbe.Handler h = handler(B, auth(B, "new"), 5);
        new EmbeddedChannel(h)
                .writeInbound(from(A_ADDR, B_ADDR, probe(auth(A, "old"), ProbeAuth.REQUEST, A, B, SESSION_A, 1)));
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_KEY)).isEqualTo(1);
    }

    @Test
    void withoutASecretOnlyUntaggedProbesAreAnswered() {
        VxlanProbe.Handler h = handler(B, ProbeAuth.none(), 5);
        EmbeddedChannel b = new EmbeddedChannel(h);
        b.writeInbound(from(A_ADDR, B_ADDR, probe(ProbeAuth.none(), ProbeAuth.REQUEST, A, B, SESSION_A, 1)));
        assertThat((Object) b.readOutbound()).isNotNull();
        b.writeInbound(from(A_ADDR, B_ADDR, probe(auth(A, "s"), ProbeAuth.REQUEST, A, B, SESSION_A, 2)));
        assertThat((Object) b.readOutbound()).isNull();
        assertThat(count(h, ProbeAuth.Drop.SECURITY_MISMATCH)).isEqualTo(1);
    }

    @Test
    void aPeerWithoutASleeveKeyIsNotProbed() {
        ProbeAuth a = ProbeAuth.of(A, priv(A), psks("s")).withPeers(Map.of(B, pub(B)));
        assertThat(a.knows(B)).isTrue();
        assertThat(a.knows(C)).isFalse();
        assertThat(a.write(Unpooled.buffer(48), ProbeAuth.REQUEST, A, C, 1, 1, new ProbeMac()))
                .isFalse();
        java.util.Map<Long, byte[]> lowOrder = new java.util.HashMap<>();
        lowOrder.put(C, new byte[32]); // the all-zero point: refused, never used
        assertThat(a.withPeers(lowOrder).knows(C)).isFalse();
        assertThat(ProbeAuth.none().knows(C))
                .as("without a secret anyone is probed")
                .isTrue();
    }

    static long count(VxlanProbe.Handler h, ProbeAuth.Drop reason) {
        return h.drops[reason.ordinal()].sum();
    }
}
