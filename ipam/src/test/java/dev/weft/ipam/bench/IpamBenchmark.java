package dev.weft.ipam.bench;

import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingConfig;
import dev.weft.ipam.ring.RingEntry;
import dev.weft.ipam.store.FileIpamStore;
import dev.weft.ipam.store.InMemoryIpamStore;
import dev.weft.ipam.store.IpamStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Benchmark, not a test: allocations per second on one node (pure logic, and with the fsynced file
 * store), and merge / encode / decode time of a ring with 10,000 entries. Run:
 *
 * <pre>
 * mvn -B -q -ntp -pl ipam verify -Dtest=IpamBenchmark -Dweft.bench=true -Dsurefire.failIfNoSpecifiedTests=false
 * cat ipam/target/surefire-reports/dev.weft.ipam.bench.IpamBenchmark-output.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "weft.bench", matches = "true")
class IpamBenchmark {

    @Test
    void run() throws Exception {
        Path dir = Files.createTempDirectory("weft-ipam-bench");
        try {
            allocations("in-memory store (state encoded per change, no disk)", new InMemoryIpamStore(), 20_000);
            allocations("file store (fsync per allocation, " + dir + ")", new FileIpamStore(dir), 2_000);
            mergeBigRing();
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Steady pod churn on one node: {@code live} pods stay allocated (kubelet's default max is 110)
     * while each step allocates a new pod and releases the oldest.
     */
    static void allocations(String label, IpamStore store, int n) throws Exception {
        int live = 250;
        IpamNode node =
                IpamNode.open(IpamConfig.of(Cidr.parse("10.32.0.0/12"), 64), store, dev.weft.id.PeerId.of(1), "bench");
        node.bootstrapAsCreator("bench");
        for (int i = 0; i < live; i++) {
            node.allocate("c" + i, "eth0", 0);
        }
        for (int i = live; i < live + n / 10; i++) { // warm-up
            node.allocate("c" + i, "eth0", 0);
            node.release("c" + (i - live), "eth0");
        }
        int from = live + n / 10;
        long allocNs = 0;
        long releaseNs = 0;
        for (int i = from; i < from + n; i++) {
            long t0 = System.nanoTime();
            if (!(node.allocate("c" + i, "eth0", 0) instanceof AllocationResult.Allocated)) {
                throw new AssertionError("allocation failed");
            }
            long t1 = System.nanoTime();
            node.release("c" + (i - live), "eth0");
            long t2 = System.nanoTime();
            allocNs += t1 - t0;
            releaseNs += t2 - t1;
        }
        System.out.printf(
                "ipam bench %s, %d live pods: %d allocations at %.0f/s (%.3f ms each), releases at %.0f/s%n",
                label, live, n, n / (allocNs / 1e9), allocNs / 1e6 / n, n / (releaseNs / 1e9));
    }

    static void mergeBigRing() {
        RingConfig cfg = new RingConfig(Cidr.parse("10.32.0.0/12"), 64);
        Ring base = Ring.createdBy(cfg, 1, "bench");
        List<RingEntry> a = new ArrayList<>();
        List<RingEntry> b = new ArrayList<>();
        IpAddress start = cfg.range().network();
        for (int i = 0; i < 10_000; i++) {
            RingEntry e = new RingEntry(start.plus(64L * i), 100 + (i % 500), 5, 10);
            a.add(e);
            // b: every third entry newer, every fifth entry missing from a's point of view
            b.add(i % 3 == 0 ? new RingEntry(e.token(), e.owner(), 6, 9) : e);
        }
        Ring ra = Ring.of(cfg, base.genesis(), a, Map.of());
        Ring rb = Ring.of(cfg, base.genesis(), b, Map.of());
        byte[] bytes = RingCodec.encode(rb);
        int iters = 200;
        for (int i = 0; i < 50; i++) {
            ra.merge(rb);
            RingCodec.decode(bytes);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            ra.merge(rb);
        }
        double mergeMs = (System.nanoTime() - t0) / 1e6 / iters;
        long t1 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            RingCodec.decode(bytes);
        }
        double decodeMs = (System.nanoTime() - t1) / 1e6 / iters;
        long t2 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            RingCodec.encode(rb);
        }
        double encodeMs = (System.nanoTime() - t2) / 1e6 / iters;
        System.out.printf(
                "ipam bench ring of %d entries (%d bytes encoded): merge %.3f ms, decode+validate %.3f ms, encode %.3f ms%n",
                rb.size(), bytes.length, mergeMs, decodeMs, encodeMs);
    }
}
