package dev.weft.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.config.SecretFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretWatchTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration EVERY = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private final List<List<byte[]>> applied = new ArrayList<>();
    private long now = 1_000;

    private static String key() {
        return SecretFile.generate(RANDOM);
    }

    private static byte[] bytes(String line) {
        return Base64.getDecoder().decode(line);
    }

    private SecretWatch watch(Path file, String... inUse) {
        List<byte[]> keys = new ArrayList<>();
        for (String k : inUse) keys.add(bytes(k));
        return new SecretWatch(file, "lab", keys, EVERY, now, applied::add);
    }

    private SecretWatch.Outcome tick(SecretWatch w) {
        now += EVERY.toMillis();
        return w.onTick(now);
    }

    @Test
    void theRotationStepsAreAppliedWithoutARestartAndBadFilesKeepTheOldKeys() throws Exception {
        String oldKey = key();
        String newKey = key();
        Path file = dir.resolve("weft.key");
        Files.writeString(file, oldKey + "\n");
        SecretWatch w = watch(file, oldKey);

        assertThat(w.onTick(now + 1)).as("not due before the interval").isEqualTo(SecretWatch.Outcome.NOT_DUE);
        assertThat(tick(w)).as("same keys as at start").isEqualTo(SecretWatch.Outcome.UNCHANGED);

        Files.writeString(file, oldKey + "\n" + newKey + "\n"); // step 1: new key as the second line
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.RELOADED);
        assertThat(applied).hasSize(1);
        assertThat(applied.get(0)).containsExactly(bytes(oldKey), bytes(newKey));

        Files.writeString(file, "# rotated today\n" + oldKey + "\n" + newKey + "\n");
        assertThat(tick(w)).as("a comment changes no key").isEqualTo(SecretWatch.Outcome.UNCHANGED);

        // a bad file: the manifest's placeholder, then a key too short, then a second line that is no key
        Files.writeString(file, SecretFile.MANIFEST_PLACEHOLDER + "\n");
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.REFUSED);
        assertThat(tick(w)).as("the same bad content is not read again").isEqualTo(SecretWatch.Outcome.UNCHANGED);
        Files.writeString(file, Base64.getEncoder().encodeToString(new byte[16]) + "\n");
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.REFUSED);
        Files.writeString(file, newKey + "\nhunter2\n");
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.REFUSED);
        Files.delete(file);
        assertThat(tick(w)).as("a missing file").isEqualTo(SecretWatch.Outcome.REFUSED);
        assertThat(applied).as("nothing applied from a bad file").hasSize(1);
        assertThat(w.refusals()).isEqualTo(4);

        Files.writeString(file, newKey + "\n" + oldKey + "\n"); // step 2: new key first
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.RELOADED);
        Files.writeString(file, newKey + "\n"); // step 3: old key dropped
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.RELOADED);
        assertThat(applied).hasSize(3);
        assertThat(applied.get(1)).containsExactly(bytes(newKey), bytes(oldKey));
        assertThat(applied.get(2)).containsExactly(bytes(newKey));
        assertThat(w.reloads()).isEqualTo(3);
    }

    /** How a Kubernetes Secret volume updates a key: the file is a symlink through {@code ..data}, swapped atomically. */
    @Test
    void aSecretVolumeSymlinkSwapIsSeen() throws Exception {
        String oldKey = key();
        String newKey = key();
        Path v1 = Files.createDirectory(dir.resolve("..2026_12_04_01_00_00.1"));
        Files.writeString(v1.resolve("key"), oldKey + "\n");
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("key"), Path.of("..data", "key"));
        SecretWatch w = watch(file, oldKey);
        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.UNCHANGED);

        Path v2 = Files.createDirectory(dir.resolve("..2026_12_04_01_05_00.2"));
        Files.writeString(v2.resolve("key"), oldKey + "\n" + newKey + "\n");
        Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // the old version is removed afterwards, as the kubelet does
        Files.delete(v1.resolve("key"));
        Files.delete(v1);

        assertThat(tick(w)).isEqualTo(SecretWatch.Outcome.RELOADED);
        assertThat(applied).singleElement().satisfies(k -> assertThat(k).containsExactly(bytes(oldKey), bytes(newKey)));
    }
}
