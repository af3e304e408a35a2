package dev.weft.ipam.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Deltas and full states are one CRDT: applying the deltas of a history in any order, with
 * duplicates, gives the ring that merging the full states gives, and mixing in full states
 * (anti-entropy) changes nothing about where it ends.
 */
class RingDeltaPropertiesTest {

    /** The ring every replica converges to by full-state exchange. */
    private static Ring fullStateResult(RingHistory h) {
        h.pumpUntilQuiet();
        return h.replicas[0];
    }

    private static Ring applyAll(Ring start, List<RingDelta> deltas) {
        Ring r = start;
        for (RingDelta d : deltas) {
            r = r.merge(RingDeltaCodec.decode(RingDeltaCodec.encode(d))).ring();
        }
        return r;
    }

    @Property(tries = 200)
    void deltasInAnyOrderWithDuplicatesGiveTheFullStateRing(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 120) int steps, @ForAll long shuffleSeed) {
        RingHistory h = RingHistory.random(seed, steps);
        Random rnd = new Random(shuffleSeed);
        List<RingDelta> stream = new ArrayList<>(h.deltas);
        for (RingDelta d : h.deltas) {
            if (rnd.nextInt(3) == 0) {
                stream.add(d); // duplicates
            }
        }
        Collections.shuffle(stream, rnd);
        Ring viaDeltas = applyAll(h.initial, stream);
        assertThat(viaDeltas).isEqualTo(fullStateResult(h));
    }

    @Property(tries = 200)
    void deltaAndFullStateMixesConverge(
            @ForAll long seed, @ForAll @IntRange(min = 0, max = 120) int steps, @ForAll long mixSeed) {
        RingHistory h = RingHistory.random(seed, steps);
        Random rnd = new Random(mixSeed);
        // three receivers, each gets every delta (in its own order) and some full states in between
        List<Ring> receivers = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            List<Object> stream = new ArrayList<>(h.deltas);
            for (int i = 0; i < 1 + rnd.nextInt(6) && !h.snapshots.isEmpty(); i++) {
                stream.add(h.snapshots.get(rnd.nextInt(h.snapshots.size())));
            }
            Collections.shuffle(stream, rnd);
            Ring r = h.initial;
            for (Object o : stream) {
                r = o instanceof RingDelta d
                        ? r.merge(d).ring()
                        : r.merge((Ring) o).ring();
            }
            receivers.add(r);
        }
        Ring expected = fullStateResult(h);
        assertThat(receivers).allSatisfy(r -> assertThat(r).isEqualTo(expected));
    }

    @Property(tries = 200)
    void mergingADeltaIsIdempotentAndReportsChangeHonestly(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 120) int steps,
            @ForAll @IntRange(min = 0, max = 1000) int pick) {
        RingHistory h = RingHistory.random(seed, steps);
        if (h.deltas.isEmpty()) {
            return;
        }
        RingDelta d = h.deltas.get(pick % h.deltas.size());
        Ring base = h.replicas[pick % h.replicas.length];
        Ring.MergeResult once = base.merge(d);
        assertThat(once.changed()).isEqualTo(!once.ring().equals(base));
        Ring.MergeResult twice = once.ring().merge(d);
        assertThat(twice.changed()).isFalse();
        assertThat(twice.ring()).isEqualTo(once.ring());
        // a whole ring as a delta merges exactly like the ring
        assertThat(base.merge(h.replicas[0].asDelta()).ring())
                .isEqualTo(base.merge(h.replicas[0]).ring());
    }

    @Example
    void theGeneratorProducesDeltasWithSplitsAndTombstones() {
        int withNewTokens = 0;
        int withTombstones = 0;
        for (long seed = 0; seed < 60; seed++) {
            RingHistory h = RingHistory.random(seed, 80);
            for (RingDelta d : h.deltas) {
                if (d.entries().size() >= 3) {
                    withNewTokens++;
                }
                if (!d.tombstones().isEmpty()) {
                    withTombstones++;
                }
            }
        }
        assertThat(withNewTokens).isGreaterThan(20);
        assertThat(withTombstones).isGreaterThan(5);
    }
}
