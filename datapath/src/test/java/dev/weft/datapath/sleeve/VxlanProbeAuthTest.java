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
import org.junit.jupiter.api.Test;

/**
 * Kernel-path probes under the cluster secret: forged, altered, replayed or unauthenticated probes and answers are
 * dropped, counted by reason, and change no peer's path state; good ones work across a key rotation.
 */
class VxlanProbeAuthTest {
    private static final long A = 0xaaaaL;
    private static final long B = 0xbbbbL;
    private static final InetSocketAddress A_ADDR = new InetSocketAddress("10.32.0.1", 6773);
    private static final InetSocketAddress B_ADDR = new InetSocketAddress("10.32.0.2", 6773);
    private static final long SESSION_A = 0x1234_5678_9abc_def0L;

    private static List<byte[]> psks(String... secrets) {
        List<byte[]> out = new ArrayList<>();
        for (String s : secrets) out.add(SleeveKeys.pskFromClusterSecret(s.getBytes(StandardCharsets.US_ASCII)));
        return out;
    }

    private final ProbeAuth good = ProbeAuth.of(psks("cluster-secret"));
    private final List<long[]> answers = new ArrayList<>();

    private VxlanProbe.Handler handler(long own, ProbeAuth auth, long session) {
        return new VxlanProbe.Handler(own, (peer, seq) -> answers.add(new long[] {peer, seq}), auth, session);
    }

    private static ByteBuf probe(ProbeAuth auth, int type, long sender, long session, long seq) {
        ByteBuf b = Unpooled.buffer(ProbeAuth.LENGTH);
        auth.write(b, type, sender, session, seq);
        return b;
    }

    private static DatagramPacket from(InetSocketAddress sender, InetSocketAddress to, ByteBuf b) {
        return new DatagramPacket(b, to, sender);
    }

    @Test
    void goldenAuthenticatedRequest() {
        ByteBuf b = probe(good, ProbeAuth.REQUEST, A, SESSION_A, 7);
        byte[] bytes = new byte[b.readableBytes()];
        b.getBytes(0, bytes);
        String hex = HexFormat.of().formatHex(bytes);
        int keyId = SleeveKeys.keyId(psks("cluster-secret").get(0));
        assertThat(hex.substring(0, 64))
                .isEqualTo("5750" + "01" + "02" + String.format("%04x", keyId) + "01" + "00" + "000000000000aaaa"
                        + "123456789abcdef0" + "0000000000000007");
        assertThat(hex).hasSize(96).isEqualTo(GOLDEN_REQUEST);
        // the tag, recomputed with Bouncy Castle's HKDF and HMAC from the documented labels
        org.bouncycastle.crypto.generators.HKDFBytesGenerator hkdf =
                new org.bouncycastle.crypto.generators.HKDFBytesGenerator(
                        new org.bouncycastle.crypto.digests.SHA256Digest());
        hkdf.init(new org.bouncycastle.crypto.params.HKDFParameters(
                psks("cluster-secret").get(0),
                "weft-probe-v1".getBytes(StandardCharsets.US_ASCII),
                "weft probe mac".getBytes(StandardCharsets.US_ASCII)));
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
            "5750010205cd0100000000000000aaaa123456789abcdef00000000000000007" + "424a3242586f3eef688ec810ca173755";

    @Test
    void anAuthenticatedRequestIsAnsweredAndItsAnswerReported() {
        EmbeddedChannel b = new EmbeddedChannel(handler(B, good, 99));
        b.writeInbound(from(A_ADDR, B_ADDR, probe(good, ProbeAuth.REQUEST, A, SESSION_A, 7)));
        DatagramPacket answer = b.readOutbound();
        assertThat(answer).isNotNull();
        assertThat(answer.recipient()).isEqualTo(A_ADDR);

        EmbeddedChannel a = new EmbeddedChannel(handler(A, good, SESSION_A));
        a.writeInbound(from(B_ADDR, A_ADDR, answer.content()));
        assertThat(answers).singleElement().satisfies(x -> assertThat(x).containsExactly(B, 7));
    }

    @Test
    void forgedRequestsGetNoAnswerAndAreCountedByReason() {
        VxlanProbe.Handler h = handler(B, good, 99);
        EmbeddedChannel b = new EmbeddedChannel(h);
        // no tag (a stranger, or an agent without the secret)
        b.writeInbound(from(A_ADDR, B_ADDR, probe(ProbeAuth.none(), ProbeAuth.REQUEST, A, SESSION_A, 1)));
        // tagged under another secret
        b.writeInbound(
                from(A_ADDR, B_ADDR, probe(ProbeAuth.of(psks("other-secret")), ProbeAuth.REQUEST, A, SESSION_A, 2)));
        // a good request with one bit changed (the sequence number)
        ByteBuf altered = probe(good, ProbeAuth.REQUEST, A, SESSION_A, 3);
        altered.setByte(31, altered.getByte(31) ^ 1);
        b.writeInbound(from(A_ADDR, B_ADDR, altered));
        // version 1 (older Weft: 20 bytes, no tag)
        ByteBuf v1 = Unpooled.buffer(20)
                .writeShort(0x5750)
                .writeByte(1)
                .writeByte(1)
                .writeLong(A)
                .writeLong(4);
        b.writeInbound(from(A_ADDR, B_ADDR, v1));
        // garbage
        b.writeInbound(from(A_ADDR, B_ADDR, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        assertThat((Object) b.readOutbound()).as("nothing is answered").isNull();
        assertThat(count(h, ProbeAuth.Drop.UNAUTHENTICATED)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_KEY)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.UNSUPPORTED_VERSION)).isEqualTo(1);
        assertThat(count(h, ProbeAuth.Drop.MALFORMED)).isEqualTo(1);
    }

    /**
     * The attack: the kernel path to B is broken, a stranger answers A's probes in B's name to keep it selected (or a
     * recording of B's answers from A's previous start is replayed). A still falls back to the sleeve.
     */
    @Test
    void forgedAndReplayedAnswersDoNotKeepABrokenPathSelected() {
        List<String> changes = new ArrayList<>();
        PathHealth health = new PathHealth(
                new PathHealth.Settings(3, 3, Duration.ofSeconds(1), true),
                (peer, from, to, reason) -> changes.add(to.name()));
        health.addPeer(B);
        VxlanProbe.Handler h =
                new VxlanProbe.Handler(A, (peer, seq) -> health.onProbeAck(peer, seq, 0), good, SESSION_A);
        EmbeddedChannel a = new EmbeddedChannel(h);
        long earlierSession = 0x0bad_5e55_1011L;
        for (long seq = 1; seq <= 3; seq++) {
            health.onProbeSent(B, seq, 0);
            a.writeInbound(from(B_ADDR, A_ADDR, probe(ProbeAuth.none(), ProbeAuth.ANSWER, B, SESSION_A, seq)));
            a.writeInbound(
                    from(B_ADDR, A_ADDR, probe(ProbeAuth.of(psks("guess")), ProbeAuth.ANSWER, B, SESSION_A, seq)));
            ByteBuf forgedTag = probe(good, ProbeAuth.ANSWER, B, SESSION_A, seq);
            forgedTag.setByte(40, forgedTag.getByte(40) ^ 0x10);
            a.writeInbound(from(B_ADDR, A_ADDR, forgedTag));
            // a genuine answer of B, recorded while A ran with another session (before a restart)
            a.writeInbound(from(B_ADDR, A_ADDR, probe(good, ProbeAuth.ANSWER, B, earlierSession, seq)));
        }
        health.onTick(Duration.ofSeconds(2).toNanos());
        assertThat(health.mode(B)).isEqualTo(PathHealth.Mode.SLEEVE);
        assertThat(changes).containsExactly("SLEEVE");
        assertThat(count(h, ProbeAuth.Drop.UNAUTHENTICATED)).isEqualTo(3);
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_KEY)).isEqualTo(3);
        assertThat(count(h, ProbeAuth.Drop.AUTH_FAILED)).isEqualTo(3);
        assertThat(count(h, ProbeAuth.Drop.FOREIGN_SESSION)).isEqualTo(3);

        // and forged answers cannot push a healthy peer off the kernel path either: they are not even seen
        PathHealth healthy = new PathHealth(
                new PathHealth.Settings(3, 3, Duration.ofSeconds(1), true), (peer, from, to, reason) -> {});
        healthy.addPeer(B);
        VxlanProbe.Handler h2 =
                new VxlanProbe.Handler(A, (peer, seq) -> healthy.onProbeAck(peer, seq, 1), good, SESSION_A);
        EmbeddedChannel a2 = new EmbeddedChannel(h2);
        for (long seq = 10; seq < 20; seq++) {
            healthy.onProbeSent(B, seq, 0);
            a2.writeInbound(from(B_ADDR, A_ADDR, probe(ProbeAuth.none(), ProbeAuth.ANSWER, B, SESSION_A, seq + 100)));
            a2.writeInbound(from(B_ADDR, A_ADDR, probe(good, ProbeAuth.ANSWER, B, SESSION_A, seq)));
        }
        assertThat(healthy.mode(B)).isEqualTo(PathHealth.Mode.KERNEL);
        assertThat(healthy.snapshot().get(0).probesFailed()).isZero();
    }

    @Test
    void probesWorkAcrossARotationOfTheSecret() {
        ProbeAuth old = ProbeAuth.of(psks("old"));
        ProbeAuth both = ProbeAuth.of(psks("old", "new"));
        ProbeAuth newFirst = ProbeAuth.of(psks("new", "old"));
        ProbeAuth onlyNew = ProbeAuth.of(psks("new"));
        // every step of the procedure, with nodes on this step and the one before
        ProbeAuth[][] pairs = {{old, both}, {both, newFirst}, {newFirst, onlyNew}};
        for (ProbeAuth[] pair : pairs) {
            for (int dir = 0; dir < 2; dir++) {
                ProbeAuth prober = pair[dir];
                ProbeAuth answerer = pair[1 - dir];
                answers.clear();
                EmbeddedChannel b = new EmbeddedChannel(handler(B, answerer, 5));
                b.writeInbound(from(A_ADDR, B_ADDR, probe(prober, ProbeAuth.REQUEST, A, SESSION_A, 1)));
                DatagramPacket answer = b.readOutbound();
                assertThat(answer).as("answered").isNotNull();
                new EmbeddedChannel(handler(A, prober, SESSION_A)).writeInbound(from(B_ADDR, A_ADDR, answer.content()));
                assertThat(answers).as("answer accepted").hasSize(1);
            }
        }
        // a node that dropped the old key refuses a node that still sends with it (the procedure never does that)
        VxlanProbe.Handler h = handler(B, onlyNew, 5);
        new EmbeddedChannel(h).writeInbound(from(A_ADDR, B_ADDR, probe(old, ProbeAuth.REQUEST, A, SESSION_A, 1)));
        assertThat(count(h, ProbeAuth.Drop.UNKNOWN_KEY)).isEqualTo(1);
    }

    @Test
    void withoutASecretOnlyUntaggedProbesAreAnswered() {
        VxlanProbe.Handler h = handler(B, ProbeAuth.none(), 5);
        EmbeddedChannel b = new EmbeddedChannel(h);
        b.writeInbound(from(A_ADDR, B_ADDR, probe(ProbeAuth.none(), ProbeAuth.REQUEST, A, SESSION_A, 1)));
        assertThat((Object) b.readOutbound()).isNotNull();
        b.writeInbound(from(A_ADDR, B_ADDR, probe(good, ProbeAuth.REQUEST, A, SESSION_A, 2)));
        assertThat((Object) b.readOutbound()).isNull();
        assertThat(count(h, ProbeAuth.Drop.SECURITY_MISMATCH)).isEqualTo(1);
    }

    private static long count(VxlanProbe.Handler h, ProbeAuth.Drop reason) {
        return h.drops[reason.ordinal()].sum();
    }
}
