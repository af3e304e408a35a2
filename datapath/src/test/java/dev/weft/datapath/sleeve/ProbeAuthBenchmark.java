package dev.weft.datapath.sleeve;

import io.netty.buffer.ByteBuf;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Not a test (surefire does not pick up *Benchmark): the cost of checking one received probe with per-pair keys
 * ({@link ProbeAuth#check}, buffers allocated once) against the way probes were checked before (a new byte array and
 * a new JDK {@link Mac} per probe, under one cluster-wide key), measured in the same run, interleaved, and the bytes
 * each allocates per probe. Run: {@code mvn -o -q verify -pl datapath -am -Dtest=ProbeAuthBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ProbeAuthBenchmark {
    private static final int OPS = 200_000;

    @Test
    void perPairCheckVersusTheOldPerProbeMac() throws Exception {
        ProbeAuth a = VxlanProbeAuthTest.auth(VxlanProbeAuthTest.A, "s");
        ByteBuf good = VxlanProbeAuthTest.probe(
                VxlanProbeAuthTest.auth(VxlanProbeAuthTest.B, "s"),
                ProbeAuth.ANSWER,
                VxlanProbeAuthTest.B,
                VxlanProbeAuthTest.A,
                1,
                1);
        ProbeMac mac = new ProbeMac();
        SecretKeySpec clusterKey = new SecretKeySpec(new byte[32], "HmacSHA256");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long[] newNs = new long[7];
        long[] oldNs = new long[7];
        long newBytes = 0;
        long oldBytes = 0;
        int sink = 0;
        for (int round = 0; round < 7; round++) {
            long b0 = mx.getThreadAllocatedBytes(tid);
            long t0 = System.nanoTime();
            for (int i = 0; i < OPS; i++) sink += a.check(good, 0, ProbeAuth.LENGTH, mac) == null ? 1 : 0;
            newNs[round] = System.nanoTime() - t0;
            long b1 = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < OPS; i++) sink += oldCheck(good, clusterKey) ? 1 : 0;
            oldNs[round] = System.nanoTime() - t0 - newNs[round];
            long b2 = mx.getThreadAllocatedBytes(tid);
            if (round >= 2) {
                newBytes += b1 - b0;
                oldBytes += b2 - b1;
            }
        }
        Arrays.sort(newNs);
        Arrays.sort(oldNs);
        double n = newNs[3] / (double) OPS;
        double o = oldNs[3] / (double) OPS;
        System.out.printf(
                "probe check: per-pair %.0f ns/op, %d B/op; old per-probe Mac %.0f ns/op, %d B/op; ratio new/old %.2f"
                        + " (median of 7 rounds of %d, sink %d)%n",
                n, newBytes / (5L * OPS), o, oldBytes / (5L * OPS), n / o, OPS, sink);
    }

    /** What the version-2 check did per probe (the tag does not match here: the key differs; the work is the same). */
    private static boolean oldCheck(ByteBuf buf, SecretKeySpec key) throws Exception {
        byte[] b = new byte[ProbeAuth.LENGTH];
        buf.getBytes(0, b);
        byte[] got = Arrays.copyOfRange(b, ProbeAuth.SIGNED, ProbeAuth.LENGTH);
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        m.update(b, 0, ProbeAuth.SIGNED);
        return MessageDigest.isEqual(Arrays.copyOf(m.doFinal(), ProbeAuth.TAG), got);
    }
}
