package dev.weft.datapath.sleeve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.ipam.addr.IpAddress;
import org.junit.jupiter.api.Test;

/** The TUN MTU leaves room for exactly the sleeve's encapsulation on each underlay family. */
class SleeveConfigTest {
    private static final SleeveConfig PLAIN =
            SleeveConfig.plain(1, IpAddress.parse("198.18.0.1"), MacAddress.parse("02:57:00:00:00:01"), 1);

    @Test
    void plainSleeveOverIpv4AndIpv6Underlays() {
        assertEquals(1500 - 50, PLAIN.tunMtu()); // IPv4 20 + UDP 8 + VXLAN 8 + Ethernet 14
        assertEquals(1500 - 70, PLAIN.withUnderlayIpv6(true).tunMtu()); // IPv6 40 instead of 20
        assertEquals(9000 - 50, PLAIN.withUnderlayMtu(9000).tunMtu());
    }

    @Test
    void encryptedSleeveOverIpv4AndIpv6Underlays() {
        SleeveConfig enc = PLAIN.withCrypto(SleeveCrypto.of(new byte[32], new byte[32]));
        assertEquals(1500 - 76, enc.tunMtu()); // IPv4 20 + UDP 8 + sealed header 32 + tag 16
        assertEquals(1500 - 96, enc.withUnderlayIpv6(true).tunMtu());
    }
}
