package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Rekeying under traffic, and garbage / replayed datagrams from the underlay, against the real kernel. */
@Tag("kernel")
class SleeveRobustnessKernelTest {
    SleeveLab lab;

    @BeforeEach
    void setUp() {
        lab = new SleeveLab();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    SleeveBackend[] encryptedPair(Duration rekey) {
        SecureRandom rnd = new SecureRandom();
        byte[] pa = SleeveKeys.generatePrivateKey(rnd);
        byte[] pb = SleeveKeys.generatePrivateKey(rnd);
        byte[] psk = SleeveKeys.pskFromClusterSecret("secret".getBytes());
        SleeveBackend a = lab.sleeve(1, new SleeveCrypto(pa, psk, rekey, SleeveCrypto.DEFAULT_REKEY_PACKETS), 1);
        SleeveBackend b = lab.sleeve(2, new SleeveCrypto(pb, psk, rekey, SleeveCrypto.DEFAULT_REKEY_PACKETS), 1);
        lab.connect(a, 1, SleeveLab.peerSpec(2, SleeveKeys.publicKey(pb)));
        lab.connect(b, 2, SleeveLab.peerSpec(1, SleeveKeys.publicKey(pa)));
        return new SleeveBackend[] {a, b};
    }

    @Test
    void trafficSurvivesFrequentRekeys() {
        SleeveBackend[] s = encryptedPair(Duration.ofMillis(150));
        lab.awaitPing(1, 2);
        assertThat(lab.ping(1, 2, 10)).isTrue(); // 2 s of pings across ~13 rekeys
        assertThat(lab.iperf(1, 2, 1, 1)).isGreaterThan(1e6);
        assertThat(s[0].counters().get(SleeveCounter.REKEYS)).isGreaterThanOrEqualTo(5);
        assertThat(s[1].counters().get(SleeveCounter.RX_SESSIONS)).isGreaterThanOrEqualTo(5);
        assertThat(s[1].counters().get(SleeveCounter.RX_AUTH_FAILED)).isZero();
    }

    @Test
    void garbageAndForgedDatagramsAreCountedAndTrafficContinues() throws Exception {
        SleeveBackend[] s = encryptedPair(SleeveCrypto.DEFAULT_REKEY);
        lab.awaitPing(1, 2);
        // from inside node 1's namespace: garbage, a forged header with a known sender id, a VXLAN packet
        lab.nl[1].call(() -> {
            try (DatagramSocket sock = new DatagramSocket()) {
                InetAddress b = InetAddress.getByName("192.0.2.2");
                Random r = new Random(1);
                for (int i = 0; i < 200; i++) {
                    byte[] junk = new byte[r.nextInt(1500)];
                    r.nextBytes(junk);
                    sock.send(new DatagramPacket(junk, junk.length, b, 6771));
                }
                // a forged v2 header under the cluster key's id: it reaches authentication and fails it
                int keyId = SleeveKeys.keyId(SleeveKeys.pskFromClusterSecret("secret".getBytes()));
                byte[] forged = new byte[100];
                java.nio.ByteBuffer.wrap(forged)
                        .putInt(0, SealedFrame.TYPE_DATA_V2 << 24 | keyId)
                        .putLong(4, SleeveLab.peerId(1))
                        .putLong(12, System.currentTimeMillis() + 1000);
                for (int i = 0; i < 10; i++) sock.send(new DatagramPacket(forged, forged.length, b, 6771));
                // the same under a key id no configured key has: counted as unknown key, no decryption tried
                java.nio.ByteBuffer.wrap(forged).putInt(0, SealedFrame.TYPE_DATA_V2 << 24 | (keyId ^ 0xffff));
                for (int i = 0; i < 7; i++) sock.send(new DatagramPacket(forged, forged.length, b, 6771));
                // version 1 frames (no key id) are no longer accepted
                forged[0] = (byte) 0x81;
                forged[2] = 0;
                forged[3] = 0;
                for (int i = 0; i < 5; i++) sock.send(new DatagramPacket(forged, forged.length, b, 6771));
            }
            return null;
        });
        await("garbage counted")
                .atMost(Duration.ofSeconds(5))
                .until(() -> s[1].counters().get(SleeveCounter.RX_MALFORMED)
                                + s[1].counters().get(SleeveCounter.RX_UNKNOWN_SENDER)
                        >= 150);
        await("forgeries counted")
                .atMost(Duration.ofSeconds(5))
                .until(() -> s[1].counters().get(SleeveCounter.RX_AUTH_FAILED) >= 10);
        await("unknown key ids counted")
                .atMost(Duration.ofSeconds(5))
                .until(() -> s[1].counters().get(SleeveCounter.RX_UNKNOWN_KEY) == 7);
        assertThat(lab.ping(1, 2, 3)).as("the real session still works").isTrue();
        assertThat(s[1].counters().get(SleeveCounter.RX_SESSIONS))
                .as("forged sessions never installed")
                .isEqualTo(1);
    }
}
