package dev.weft.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFileTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static Path file(Path dir, String content, String mode) throws Exception {
        Path f = dir.resolve("weft.key");
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void aGeneratedSecretIs32RandomBytesInBase64OnOneLineAndIsAccepted(@TempDir Path dir) throws Exception {
        String a = SecretFile.generate(RANDOM);
        String b = SecretFile.generate(RANDOM);
        assertThat(a).doesNotContain("\n").isNotEqualTo(b);
        assertThat(Base64.getDecoder().decode(a)).hasSize(32);
        SecretFile.Keys k = SecretFile.read(file(dir, a + "\n", "rw-------"));
        assertThat(k.keys()).singleElement().isEqualTo(Base64.getDecoder().decode(a));
        assertThat(k.warnings()).isEmpty();
    }

    @Test
    void keysAreDecodedHexOrBase64PrimaryFirstCommentsAndBlankLinesIgnored(@TempDir Path dir) throws Exception {
        byte[] one = new byte[32];
        byte[] two = new byte[48];
        RANDOM.nextBytes(one);
        RANDOM.nextBytes(two);
        String content = "# rotation: new key first\n\n" + HexFormat.of().formatHex(one) + "\n  "
                + Base64.getUrlEncoder().withoutPadding().encodeToString(two) + "  \n";
        SecretFile.Keys k = SecretFile.read(file(dir, content, "r--------"));
        assertThat(k.keys()).containsExactly(one, two);
    }

    @Test
    void shortPassphraseNonRandomAndPlaceholderKeysAreRefusedWithHowToMakeOne(@TempDir Path dir) throws Exception {
        String good = SecretFile.generate(RANDOM);
        for (String bad : new String[] {
            "correct horse battery staple 0123456789", // a passphrase: not base64
            Base64.getEncoder().encodeToString(new byte[31]).replace('A', 'B'), // 31 bytes
            Base64.getEncoder().encodeToString(new byte[32]), // 32 zero bytes
            SecretFile.MANIFEST_PLACEHOLDER
        }) {
            Path f = file(dir, good + "\n" + bad + "\n", "rw-------");
            assertThatThrownBy(() -> SecretFile.read(f))
                    .as(bad)
                    .isInstanceOf(SecretFile.InvalidSecretException.class)
                    .hasMessageContaining("line 2")
                    .hasMessageContaining("weft secret generate");
        }
        assertThatThrownBy(() -> SecretFile.read(file(dir, "# nothing\n\n", "rw-------")))
                .hasMessageContaining("holds no key");
        assertThatThrownBy(() -> SecretFile.read(dir.resolve("missing"))).hasMessageContaining("cannot read");
    }

    @Test
    void theExampleManifestsPlaceholderIsRefused(@TempDir Path dir) throws Exception {
        String manifest = Files.readString(Path.of("../k8s/deploy/secret.example.yaml"));
        Matcher m = Pattern.compile("(?m)^\\s*key:\\s*\"?([^\"\\n]+)\"?\\s*$").matcher(manifest);
        assertThat(m.find()).as("secret.example.yaml has a stringData key").isTrue();
        String placeholder = m.group(1).strip();
        assertThatThrownBy(() -> SecretFile.read(file(dir, placeholder + "\n", "rw-------")))
                .isInstanceOf(SecretFile.InvalidSecretException.class)
                .hasMessageContaining("weft secret generate");
    }

    @Test
    void aSecretFileReadableByGroupOrOthersIsAWarning(@TempDir Path dir) throws Exception {
        String good = SecretFile.generate(RANDOM);
        assertThat(SecretFile.read(file(dir, good, "rw-r-----")).warnings())
                .singleElement()
                .asString()
                .contains("readable by group or others")
                .contains("chmod 600");
        assertThat(SecretFile.read(file(dir, good, "rw----r--")).warnings()).hasSize(1);
        assertThat(SecretFile.read(file(dir, good, "rw-------")).warnings()).isEmpty();
    }
}
