package dev.weft.ipam.ring;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class RingMergePropertiesTest {

    private static Ring merge(Ring a, Ring b) {
        return a.merge(b).ring();
    }

    @Property(tries = 300)
    void mergeIsCommutativeAssociativeIdempotent(
            @ForAll long seed,
            @ForAll @IntRange(min = 0, max = 80) int steps,
            @ForAll @IntRange(min = 0, max = 100) int pa,
            @ForAll @IntRange(min = 0, max = 100) int pb,
            @ForAll @IntRange(min = 0, max = 100) int pc) {
        RingHistory h = RingHistory.random(seed, steps);
        Ring a = h.replicas[pa % h.replicas.length];
        Ring b = h.replicas[pb % h.replicas.length];
        Ring c = h.replicas[pc % h.replicas.length];

        assertThat(merge(a, b)).isEqualTo(merge(b, a));
        assertThat(merge(merge(a, b), c)).isEqualTo(merge(a, merge(b, c)));
        assertThat(merge(a, a)).isEqualTo(a);
        assertThat(a.merge(a).changed()).isFalse();
        // merging what you already include changes nothing, and says so
        Ring ab = merge(a, b);
        assertThat(ab.merge(a).changed()).isFalse();
        assertThat(ab.merge(b).changed()).isFalse();
        assertThat(a.merge(b).changed()).isEqualTo(!ab.equals(a));
        // progress rises with every real change
        if (!ab.equals(a)) {
            assertThat(ab.progress()).isGreaterThan(a.progress());
        }
    }

    @Property(tries = 200)
    void everyReplicaIsValidAndCoversTheRangeExactlyOnce(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 120) int steps) {
        RingHistory h = RingHistory.random(seed, steps);
        for (Ring r : h.replicas) {
            java.math.BigInteger total = java.math.BigInteger.ZERO;
            for (Ring.Segment s : r.segments()) {
                total = total.add(s.range().size());
            }
            assertThat(total).isEqualTo(r.config().range().size());
            // round trip through the wire format
            assertThat(RingCodec.decode(RingCodec.encode(r))).isEqualTo(r);
        }
    }

    @Property(tries = 100)
    void peersThatExchangeStateConvergeToOneRing(@ForAll long seed, @ForAll @IntRange(min = 0, max = 150) int steps) {
        RingHistory h = RingHistory.random(seed, steps);
        h.pumpUntilQuiet();
        for (Ring r : h.replicas) {
            assertThat(r).isEqualTo(h.replicas[0]);
        }
        // nobody lost track of who owns what: each owned address has exactly one owner by construction,
        // and no live peer's range is owned by a placeholder it already claimed
        Ring r = h.replicas[0];
        for (int p = 0; p < h.ids.length; p++) {
            if (r.isRemoved(h.ids[p])) {
                assertThat(h.dead).contains(p);
            }
        }
    }

    @net.jqwik.api.Example
    void theGeneratorProducesSplitsReclaimsAndBothFamilies() {
        int maxEntries = 0;
        int withTombstones = 0;
        int v6 = 0;
        for (long seed = 0; seed < 60; seed++) {
            RingHistory h = RingHistory.random(seed, 80);
            for (Ring r : h.replicas) {
                maxEntries = Math.max(maxEntries, r.size());
            }
            if (h.dead.size() > 0) {
                withTombstones++;
            }
            if (!h.config.range().isIpv4()) {
                v6++;
            }
        }
        assertThat(maxEntries).isGreaterThan(8);
        assertThat(withTombstones).isGreaterThan(5);
        assertThat(v6).isGreaterThan(10);
    }
}
