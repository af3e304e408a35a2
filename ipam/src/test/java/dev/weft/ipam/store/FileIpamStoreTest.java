package dev.weft.ipam.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileIpamStoreTest {
    static final RingConfig CFG = new RingConfig(Cidr.parse("10.32.0.0/12"), 64);

    static PersistedState sample() {
        Ring ring = Ring.fromSeeds(CFG, List.of("a", "b")).claimSeed(7, "a");
        return new PersistedState(
                7,
                "a",
                CFG,
                Optional.of(ring),
                Map.of(
                        new AttachmentKey("c1", "eth0"),
                        IpAddress.parse("10.32.0.5"),
                        new AttachmentKey("c2", "eth0"),
                        IpAddress.parse("10.32.0.6")),
                Optional.of(IpAddress.parse("10.32.0.1")),
                3);
    }

    @Test
    void savesAndLoadsDurablyWithPrivatePermissions(@TempDir Path dir) throws Exception {
        FileIpamStore store = new FileIpamStore(dir.resolve("state"));
        assertThat(store.load()).isEmpty();
        store.save(sample());
        assertThat(store.load()).hasValue(sample());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))))
                .isEqualTo("rwx------");
        assertThat(Files.exists(store.file().resolveSibling("ipam.state.tmp"))).isFalse();
        // a fresh store object on the same directory (agent restart) reads the same
        assertThat(new FileIpamStore(dir.resolve("state")).load()).hasValue(sample());
        store.delete();
        assertThat(store.load()).isEmpty();
    }

    @Test
    void aLeftoverTempFileFromACrashIsIgnoredAndReplaced(@TempDir Path dir) throws Exception {
        FileIpamStore store = new FileIpamStore(dir);
        store.save(sample());
        Files.write(dir.resolve("ipam.state.tmp"), new byte[] {1, 2, 3}); // crash between write and rename
        assertThat(store.load()).hasValue(sample());
        store.save(sample());
        assertThat(store.load()).hasValue(sample());
    }

    @Test
    void corruptionIsAClearErrorNeverAnEmptyState(@TempDir Path dir) throws Exception {
        FileIpamStore store = new FileIpamStore(dir);
        store.save(sample());
        byte[] good = Files.readAllBytes(store.file());

        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x40;
        Files.write(store.file(), flipped);
        assertThatThrownBy(store::load)
                .isInstanceOf(IpamStoreCorruptException.class)
                .hasMessageContaining("checksum")
                .hasMessageContaining(store.file().toString());

        Files.write(store.file(), java.util.Arrays.copyOf(good, good.length - 10));
        assertThatThrownBy(store::load)
                .isInstanceOf(IpamStoreCorruptException.class)
                .hasMessageContaining("length");

        Files.write(store.file(), new byte[5]);
        assertThatThrownBy(store::load)
                .isInstanceOf(IpamStoreCorruptException.class)
                .hasMessageContaining("truncated");

        Files.write(store.file(), "hello world, not a state file".getBytes());
        assertThatThrownBy(store::load)
                .isInstanceOf(IpamStoreCorruptException.class)
                .hasMessageContaining("magic");

        Files.write(store.file(), new byte[0]);
        assertThatThrownBy(store::load).isInstanceOf(IpamStoreCorruptException.class);
    }

    @Test
    void contentErrorsBehindAValidChecksumAreCaughtToo() throws Exception {
        // duplicate address across two attachments, written by a (hypothetical) buggy writer
        PersistedState bad = new PersistedState(
                7,
                "a",
                CFG,
                Optional.empty(),
                Map.of(
                        new AttachmentKey("c1", "eth0"),
                        IpAddress.parse("10.32.0.5"),
                        new AttachmentKey("c2", "eth0"),
                        IpAddress.parse("10.32.0.5")),
                Optional.empty(),
                0);
        byte[] bytes = StateCodec.encode(bad);
        assertThatThrownBy(() -> StateCodec.decode(bytes, "test"))
                .isInstanceOf(IpamStoreCorruptException.class)
                .hasMessageContaining("twice");
    }
}
