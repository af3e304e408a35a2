package dev.weft.ipam.ring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import org.junit.jupiter.api.Test;

/** The pending-claims tracker of full-state corroboration: two distinct senders, bounded, pruned once applied. */
class CorroborationTest {
    private static final IpAddress T = IpAddress.parse("10.40.0.0");

    private static Corroboration.EntryClaim claim(long version) {
        return new Corroboration.EntryClaim(T, 0xbbL, version);
    }

    @Test
    void oneSenderNeverCorroboratesItselfTwoDistinctSendersDo() {
        Corroboration c = new Corroboration();
        assertThat(c.present(claim(5), 0xeeL)).isFalse();
        assertThat(c.present(claim(5), 0xeeL)).isFalse(); // again, same sender: still one
        assertThat(c.present(claim(6), 0xccL)).isFalse(); // another version is another claim
        assertThat(c.present(claim(5), 0xccL)).isTrue();
        assertThat(c.present(claim(5), 0xeeL)).isTrue(); // stays corroborated until applied
        assertThat(c.present(claim(5), 0)).isFalse(); // an unknown sender proves nothing
    }

    @Test
    void theOldestClaimIsEvictedWhenFull() {
        Corroboration c = new Corroboration(2);
        c.present(claim(1), 1);
        c.present(claim(2), 1);
        c.present(claim(3), 1); // evicts claim(1)
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.evicted()).isEqualTo(1);
        assertThat(c.present(claim(1), 2)).isFalse(); // its first sender was forgotten
        assertThat(c.present(claim(3), 2)).isTrue();
    }

    @Test
    void claimsTheRingHasOrSupersededArePruned() {
        RingConfig cfg = new RingConfig(Cidr.parse("10.32.0.0/12"), 64);
        Ring ring = Ring.createdBy(cfg, 0xaaL, "uid"); // 10.32.0.0 -> aa v1
        Corroboration c = new Corroboration();
        c.present(new Corroboration.EntryClaim(IpAddress.parse("10.32.0.0"), 0xaaL, 1), 1); // has it
        c.present(new Corroboration.EntryClaim(IpAddress.parse("10.32.0.0"), 0xbbL, 2), 1); // newer: kept
        c.present(new Corroboration.EntryClaim(IpAddress.parse("10.40.0.0"), 0xbbL, 1), 1); // new token: kept
        c.present(new Corroboration.TombstoneClaim(0xccL, 0xaaL), 1); // not removed here: kept
        c.prune(ring);
        assertThat(c.size()).isEqualTo(3);
        c.prune(ring.reclaim(0xaaL, 0xccL)); // tombstone of cc now present
        assertThat(c.size()).isEqualTo(2);
    }
}
