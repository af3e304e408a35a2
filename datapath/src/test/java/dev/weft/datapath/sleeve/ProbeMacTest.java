package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The allocation-free HMAC of probes against the JDK's HmacSHA256; and checking a probe allocates nothing. */
class ProbeMacTest {
    @Test
    void tagsAreTheTruncatedHmacSha256OfTheJdk() throws Exception {
        Random r = new Random(7);
        ProbeMac m = new ProbeMac();
        for (int i = 0; i < 200; i++) {
            byte[] key = new byte[32];
            r.nextBytes(key);
            r.nextBytes(m.probe);
            m.tag(key);
            Mac jdk = Mac.getInstance("HmacSHA256");
            jdk.init(new SecretKeySpec(key, "HmacSHA256"));
            jdk.update(m.probe, 0, ProbeAuth.SIGNED);
            byte[] want = Arrays.copyOf(jdk.doFinal(), ProbeAuth.TAG);
            assertThat(Arrays.copyOfRange(m.probe, ProbeAuth.SIGNED, ProbeAuth.LENGTH))
                    .isEqualTo(want);
            assertThat(m.verify(key)).isTrue();
            m.probe[r.nextInt(ProbeAuth.LENGTH)] ^= (byte) (1 << r.nextInt(8));
            assertThat(m.verify(key)).isFalse();
        }
    }

    /** Not a timing: the bytes this thread allocated while checking 20,000 probes, good and forged. */
    @Test
    void checkingProbesAllocatesNothing() {
        ProbeAuth a = VxlanProbeAuthTest.auth(VxlanProbeAuthTest.A, "s", "t");
        ByteBuf good = VxlanProbeAuthTest.probe(
                VxlanProbeAuthTest.auth(VxlanProbeAuthTest.B, "s"),
                ProbeAuth.ANSWER,
                VxlanProbeAuthTest.B,
                VxlanProbeAuthTest.A,
                1,
                1);
        ByteBuf forged = VxlanProbeAuthTest.probe(
                VxlanProbeAuthTest.auth(VxlanProbeAuthTest.C, "s"),
                ProbeAuth.ANSWER,
                VxlanProbeAuthTest.B,
                VxlanProbeAuthTest.A,
                1,
                1);
        ByteBuf out = Unpooled.buffer(ProbeAuth.LENGTH);
        ProbeMac mac = new ProbeMac();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        int ok = 0;
        for (int i = 0; i < 2_000; i++) ok += run(a, good, forged, out, mac);
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) ok += run(a, good, forged, out, mac);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(ok).isEqualTo(12_000);
        assertThat(allocated)
                .as("bytes allocated for 20,000 checks and 10,000 answers")
                .isLessThan(2_000);
    }

    private static int run(ProbeAuth a, ByteBuf good, ByteBuf forged, ByteBuf out, ProbeMac mac) {
        int ok = a.check(good, 0, ProbeAuth.LENGTH, mac) == null ? 1 : 0;
        if (a.check(forged, 0, ProbeAuth.LENGTH, mac) != ProbeAuth.Drop.AUTH_FAILED) ok = -100;
        out.clear();
        a.write(out, ProbeAuth.ANSWER, VxlanProbeAuthTest.A, VxlanProbeAuthTest.B, 1, 1, mac);
        return ok;
    }
}
