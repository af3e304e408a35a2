package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.datapath.testing.TestNetns;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What crosses the underlay, checked with nftables payload matches on the receiving node (no
 * capture tool on this machine): ping payload bytes 0xa5 are visible at their offset in plain VXLAN
 * datagrams (positive control: the offsets are right) and absent from encrypted ones.
 */
@Tag("kernel")
class SleeveWireKernelTest {
    SleeveLab lab;

    @BeforeEach
    void setUp() {
        lab = new SleeveLab();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    /** Installs counters on node 2: all datagrams to {@code port}, and those with 0xa5a5a5a5 at payload byte {@code at}. */
    void capture(int port, int at) {
        TestNetns.run(
                "ip",
                "netns",
                "exec",
                lab.ns[2],
                "nft",
                "add table inet wftcap; add chain inet wftcap pre { type filter hook prerouting priority -300; }; "
                        + "add rule inet wftcap pre udp dport " + port + " counter comment \"all\"; "
                        + "add rule inet wftcap pre udp dport " + port + " @th," + (at * 8)
                        + ",32 0xa5a5a5a5 counter comment \"plain\"");
    }

    long counter(String comment) {
        String out = TestNetns.in(lab.ns[2], "nft", "list", "chain", "inet", "wftcap", "pre");
        Matcher m = Pattern.compile("packets (\\d+) bytes \\d+ comment \"" + comment + "\"")
                .matcher(out);
        assertThat(m.find()).as("counter %s in %s", comment, out).isTrue();
        return Long.parseLong(m.group(1));
    }

    boolean pingPattern() {
        return TestNetns.execIn(
                                lab.ns[1],
                                "ping",
                                "-c",
                                "5",
                                "-i",
                                "0.2",
                                "-W",
                                "1",
                                "-s",
                                "200",
                                "-p",
                                "a5",
                                "-I",
                                SleeveLab.pod(1),
                                SleeveLab.pod(2))
                        .exit()
                == 0;
    }

    @Test
    void plainVxlanCarriesThePayloadInTheClear() {
        SleeveBackend a = lab.sleeve(1, null, 1);
        SleeveBackend b = lab.sleeve(2, null, 1);
        lab.connect(a, 1, SleeveLab.peerSpec(2, null));
        lab.connect(b, 2, SleeveLab.peerSpec(1, null));
        lab.awaitPing(1, 2);
        // UDP 8 + VXLAN 8 + Ethernet 14 + IP 20 + ICMP 8 + 24 bytes into the ping data (past its timestamp)
        capture(4789, 8 + 8 + 14 + 20 + 8 + 24);
        assertThat(pingPattern()).isTrue();
        assertThat(counter("all")).isGreaterThanOrEqualTo(5);
        assertThat(counter("plain")).isGreaterThanOrEqualTo(5);
    }

    @Test
    void encryptedSleeveShowsNoPlaintext() {
        SecureRandom rnd = new SecureRandom();
        byte[] pa = SleeveKeys.generatePrivateKey(rnd);
        byte[] pb = SleeveKeys.generatePrivateKey(rnd);
        SleeveBackend a = lab.sleeve(1, SleeveCrypto.of(pa, "secret".getBytes()), 1);
        SleeveBackend b = lab.sleeve(2, SleeveCrypto.of(pb, "secret".getBytes()), 1);
        lab.connect(a, 1, SleeveLab.peerSpec(2, SleeveKeys.publicKey(pb)));
        lab.connect(b, 2, SleeveLab.peerSpec(1, SleeveKeys.publicKey(pa)));
        lab.awaitPing(1, 2);
        // UDP 8 + sealed header 32 + IP 20 + ICMP 8 + 24: where the same bytes would be if not encrypted
        capture(6771, 8 + 32 + 20 + 8 + 24);
        assertThat(pingPattern()).isTrue();
        assertThat(counter("all")).isGreaterThanOrEqualTo(5);
        assertThat(counter("plain")).isZero();
        assertThat(TestNetns.execIn(lab.ns[2], "nft", "list", "table", "inet", "wftcap")
                        .exit())
                .isZero();
    }
}
