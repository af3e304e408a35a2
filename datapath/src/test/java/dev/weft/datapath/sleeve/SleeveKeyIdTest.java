package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;

/** The sleeve's key id has an HKDF label of its own: not a hash or prefix of the secret or of the key. */
class SleeveKeyIdTest {
    @Test
    void keyIdIsItsOwnHkdfLabel() throws Exception {
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        byte[] psk = SleeveKeys.pskFromClusterSecret(secret);
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(psk, "weft-sleeve-key-id-v1".getBytes(StandardCharsets.US_ASCII), new byte[0]));
        byte[] h = new byte[2];
        g.generateBytes(h, 0, 2);
        int id = SleeveKeys.keyId(psk);
        assertThat(id).isEqualTo((h[0] & 0xff) << 8 | (h[1] & 0xff));
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(secret);
        assertThat(id)
                .isNotEqualTo((sha[0] & 0xff) << 8 | (sha[1] & 0xff))
                .isNotEqualTo((psk[0] & 0xff) << 8 | (psk[1] & 0xff));
        assertThat(String.format("%04x", id))
                .as("pinned: other versions must agree")
                .isEqualTo("cd6e");
    }
}
