package dev.weft.ipam.alloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocationsTest {
    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static AttachmentKey k(int i) {
        return new AttachmentKey("c" + i, "eth0");
    }

    @Test
    void picksInOrderSkipsTakenAndDoesNotReuseAReleasedAddressAtOnce() {
        Allocations a = new Allocations(Set.of(ip("10.0.0.0")));
        List<IpRange> owned =
                List.of(IpRange.of(ip("10.0.0.0"), ip("10.0.0.4")), IpRange.of(ip("10.0.1.0"), ip("10.0.1.2")));
        a.setGateway(ip("10.0.0.1"));
        a.put(k(1), a.pickFree(owned).orElseThrow());
        assertThat(a.lookup(k(1))).hasValue(ip("10.0.0.2"));
        a.put(k(2), a.pickFree(owned).orElseThrow());
        assertThat(a.lookup(k(2))).hasValue(ip("10.0.0.3"));
        a.remove(k(1));
        a.put(k(3), a.pickFree(owned).orElseThrow());
        assertThat(a.lookup(k(3))).hasValue(ip("10.0.1.0")); // not the just-released .2
        a.put(k(4), a.pickFree(owned).orElseThrow());
        assertThat(a.lookup(k(4))).hasValue(ip("10.0.1.1"));
        a.put(k(5), a.pickFree(owned).orElseThrow()); // wraps around
        assertThat(a.lookup(k(5))).hasValue(ip("10.0.0.2"));
        assertThat(a.pickFree(owned)).isEmpty();
        assertThat(a.freeIn(owned.get(0))).isZero();
        assertThat(a.inUse(IpRange.of(ip("10.0.0.0"), ip("10.0.0.1")))).isFalse(); // only excluded
        assertThat(a.inUse(IpRange.of(ip("10.0.0.1"), ip("10.0.0.2")))).isTrue(); // gateway
        assertThatThrownBy(() -> a.put(k(6), ip("10.0.0.3"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> a.put(k(5), ip("10.0.9.3"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void freeCountsAndCopies() {
        Allocations a = new Allocations(Set.of());
        IpRange r = IpRange.of(ip("10.0.0.0"), ip("10.0.1.0"));
        a.put(k(1), ip("10.0.0.10"));
        a.put(k(2), ip("10.0.0.11"));
        a.setGateway(ip("10.0.0.200"));
        assertThat(a.freeIn(r)).isEqualTo(253);
        Allocations copy = a.copy();
        a.remove(k(1));
        assertThat(copy.lookup(k(1))).hasValue(ip("10.0.0.10"));
    }

    @Test
    void ipv6Allocation() {
        Allocations a = new Allocations(Set.of());
        List<IpRange> owned = List.of(IpRange.ofSize(ip("fd00::"), java.math.BigInteger.ONE.shiftLeft(64)));
        Set<IpAddress> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            IpAddress x = a.pickFree(owned).orElseThrow();
            a.put(k(i), x);
            assertThat(seen.add(x)).isTrue();
        }
        assertThat(a.freeIn(owned.get(0))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void keysAreValidated() {
        assertThatThrownBy(() -> new AttachmentKey("", "eth0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttachmentKey("c", "this-name-is-too-long"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttachmentKey("c\n", "eth0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AttachmentKey("c", "a/b")).isInstanceOf(IllegalArgumentException.class);
    }
}
