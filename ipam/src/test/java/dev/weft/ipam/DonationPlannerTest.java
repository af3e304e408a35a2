package dev.weft.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.ipam.DonationPlanner.Give;
import dev.weft.ipam.DonationPlanner.Plan;
import dev.weft.ipam.DonationPlanner.Refuse;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link DonationPlanner} as a table: the donor's entries and kept addresses, the ask, the answer. */
class DonationPlannerTest {

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static IpRange r(String from, String to) {
        return IpRange.of(ip(from), ip(to));
    }

    static Set<IpAddress> ips(String... s) {
        return Set.of(java.util.Arrays.stream(s).map(IpAddress::parse).toArray(IpAddress[]::new));
    }

    /** One row: inputs, and either the piece given or a text the refusal contains. */
    record Case(
            String name,
            int blockBits,
            List<IpRange> entries,
            Set<IpAddress> allocated,
            String gateway,
            Set<IpAddress> reserved,
            long wanted,
            IpRange gives,
            String refusal) {}

    static final List<Case> CASES = List.of(
            new Case(
                    "all free: half the free space, rounded down to blocks, from the tail",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.128")),
                    Set.of(),
                    "10.32.0.1",
                    ips("10.32.0.0"),
                    0,
                    r("10.32.0.80", "10.32.0.128"),
                    null),
            new Case(
                    "asked for less than half: what was asked, rounded up to blocks",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.128")),
                    Set.of(),
                    "10.32.0.1",
                    ips("10.32.0.0"),
                    20,
                    r("10.32.0.96", "10.32.0.128"),
                    null),
            new Case(
                    "asked for more than half: still half",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.128")),
                    Set.of(),
                    "10.32.0.1",
                    ips("10.32.0.0"),
                    1000,
                    r("10.32.0.80", "10.32.0.128"),
                    null),
            new Case(
                    "pods split the range: the largest aligned free run is used, pods stay",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.128")),
                    ips("10.32.0.40"),
                    "10.32.0.1",
                    ips("10.32.0.0"),
                    0,
                    r("10.32.0.80", "10.32.0.128"),
                    null),
            new Case(
                    "a piece never spans two entries, even when the free run does",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.64"), r("10.32.0.64", "10.32.0.96")),
                    ips("10.32.0.10"),
                    null,
                    Set.of(),
                    0,
                    r("10.32.0.32", "10.32.0.64"),
                    null),
            new Case(
                    "the gateway is never given: the run before it is used",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.128")),
                    Set.of(),
                    "10.32.0.120",
                    Set.of(),
                    0,
                    r("10.32.0.64", "10.32.0.112"),
                    null),
            new Case(
                    "the cluster's last address is never given",
                    4,
                    List.of(r("10.32.0.192", "10.32.1.0")),
                    Set.of(),
                    "10.32.0.192",
                    ips("10.32.0.255"),
                    0,
                    r("10.32.0.224", "10.32.0.240"),
                    null),
            new Case(
                    "too little free space to give a whole block",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.32")),
                    ips("10.32.0.20"),
                    "10.32.0.1",
                    Set.of(),
                    0,
                    null,
                    "has 30 free addresses and no free aligned block of 16"),
            new Case(
                    "fragmented: enough free addresses but no free aligned block",
                    4,
                    List.of(r("10.32.0.0", "10.32.0.64")),
                    ips("10.32.0.8", "10.32.0.24", "10.32.0.40", "10.32.0.56"),
                    null,
                    Set.of(),
                    0,
                    null,
                    "has 60 free addresses and no free aligned block of 16"),
            new Case(
                    "a donor that owns nothing",
                    4,
                    List.of(),
                    Set.of(),
                    null,
                    Set.of(),
                    0,
                    null,
                    "has 0 free addresses"),
            new Case(
                    "IPv6 /64: half of 2^63-1 saturated, in 64-address blocks, from the tail",
                    6,
                    List.of(IpRange.ofSize(ip("fd00::"), java.math.BigInteger.ONE.shiftLeft(64))),
                    Set.of(),
                    "fd00::1",
                    ips("fd00::"),
                    0,
                    r("fd00::c000:0:0:40", "fd00:0:0:1::"),
                    null),
            new Case(
                    "IPv6 with a small ask",
                    6,
                    List.of(IpRange.ofSize(ip("fd00::"), java.math.BigInteger.ONE.shiftLeft(64))),
                    Set.of(),
                    "fd00::1",
                    ips("fd00::"),
                    100,
                    r("fd00::ffff:ffff:ffff:ff80", "fd00:0:0:1::"),
                    null));

    @Test
    void table() {
        for (Case c : CASES) {
            Plan p = DonationPlanner.plan(
                    c.blockBits(),
                    c.entries(),
                    c.allocated(),
                    Optional.ofNullable(c.gateway()).map(IpAddress::parse),
                    c.reserved(),
                    c.wanted());
            if (c.gives() != null) {
                assertThat(p).as(c.name()).isEqualTo(new Give(c.gives()));
                IpRange piece = ((Give) p).piece();
                for (IpAddress kept : c.allocated()) {
                    assertThat(piece.contains(kept))
                            .as(c.name() + ": keeps " + kept)
                            .isFalse();
                }
            } else {
                assertThat(p)
                        .as(c.name())
                        .isInstanceOfSatisfying(
                                Refuse.class,
                                x -> assertThat(x.reason()).as(c.name()).contains(c.refusal()));
            }
        }
    }
}
