package dev.weft.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.id.PeerId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identity key in the state directory, the self-certifying peer id, and the upgrade of an older directory. */
class IdentityTest {
    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();

    @Test
    void aNewStateDirectoryGetsAKeyReadableByRootOnlyAndTheIdItCertifies() throws IOException {
        Identity first = Identity.loadOrCreate(dir, "n1", random);
        assertThat(first.selfCertifying()).isTrue();
        assertThat(first.peerId()).isEqualTo(IdentityKey.derivedId(first.key().publicKey()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(Identity.KEY_FILE))))
                .isEqualTo("rw-------");
        Identity again = Identity.loadOrCreate(dir, "n1", random);
        assertThat(again.peerId()).isEqualTo(first.peerId());
        assertThat(again.key().publicKey()).isEqualTo(first.key().publicKey());
        assertThat(again.incarnation()).isEqualTo(first.incarnation() + 1);
    }

    @Test
    void anOlderStateDirectoryKeepsItsLegacyIdAndGetsAKey() throws IOException {
        // what an agent from before identity keys left behind: a random id and an incarnation
        Files.writeString(dir.resolve("peer-id"), "3f2a09c1d4e5b6a7\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("incarnation"), "41\n", StandardCharsets.US_ASCII);
        Identity upgraded = Identity.loadOrCreate(dir, "n1", random);
        assertThat(upgraded.peerId()).isEqualTo(PeerId.parse("3f2a09c1d4e5b6a7"));
        assertThat(upgraded.incarnation()).isEqualTo(42);
        assertThat(upgraded.selfCertifying()).isFalse();
        assertThat(dir.resolve(Identity.KEY_FILE)).exists();
        // and it keeps that key from now on
        assertThat(Identity.loadOrCreate(dir, "n1", random).key().publicKey())
                .isEqualTo(upgraded.key().publicKey());
    }

    @Test
    void requiringSelfCertifyingIdsRefusesALegacyIdAndChangesNothing() throws Exception {
        Files.writeString(dir.resolve("peer-id"), "3f2a09c1d4e5b6a7\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("incarnation"), "41\n", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> Identity.loadOrCreate(dir, "n1", random, true))
                .isInstanceOf(Identity.LegacyIdRefused.class)
                .hasMessageContaining("3f2a09c1d4e5b6a7 (" + dir.resolve("peer-id") + ") is a legacy id")
                .hasMessageContaining("--require-self-certifying-ids")
                .hasMessageContaining("drain")
                .hasMessageContaining("weft rmpeer 3f2a09c1d4e5b6a7")
                .hasMessageContaining("empty " + dir);
        assertThat(dir.resolve(Identity.KEY_FILE)).doesNotExist();
        assertThat(Files.readString(dir.resolve("incarnation"))).isEqualTo("41\n");
        // an upgraded directory (legacy id and a key) is refused the same way
        Identity.loadOrCreate(dir, "n1", random);
        assertThatThrownBy(() -> Identity.loadOrCreate(dir, "n1", random, true))
                .isInstanceOf(Identity.LegacyIdRefused.class);
        assertThat(Files.readString(dir.resolve("incarnation"))).isEqualTo("42\n");
    }

    @Test
    void requiringSelfCertifyingIdsAcceptsANewAndASelfCertifyingDirectory() throws Exception {
        Identity fresh = Identity.loadOrCreate(dir, "n1", random, true);
        assertThat(fresh.selfCertifying()).isTrue();
        Identity again = Identity.loadOrCreate(dir, "n1", random, true);
        assertThat(again.peerId()).isEqualTo(fresh.peerId());
        assertThat(again.incarnation()).isEqualTo(fresh.incarnation() + 1);
    }

    @Test
    void aRemovedNodeStartsOverWithANewKeyAndTheIdItCertifies() throws IOException {
        Identity old = Identity.loadOrCreate(dir, "n1", random);
        Identity renewed = Identity.renew(dir, "n1", old.incarnation(), random);
        assertThat(renewed.peerId()).isNotEqualTo(old.peerId());
        assertThat(renewed.selfCertifying()).isTrue();
        assertThat(Identity.loadOrCreate(dir, "n1", random).peerId()).isEqualTo(renewed.peerId());
    }

    @Test
    void aDamagedKeyFileStopsTheStartWithWhatToDo() throws IOException {
        Identity.loadOrCreate(dir, "n1", random);
        Files.writeString(dir.resolve(Identity.KEY_FILE), "not a key\n");
        assertThatThrownBy(() -> Identity.loadOrCreate(dir, "n1", random))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not an identity key")
                .hasMessageContaining("weft rmpeer");
    }

    @Test
    void pinnedKeysSurviveARestartAndBadLinesAreSkipped() throws IOException {
        Executor now = Runnable::run;
        PeerKeyPins pins = new PeerKeyPins(dir, now);
        assertThat(pins.loadOrNone()).isEmpty();
        byte[] key = IdentityKey.generate(random).publicKey();
        pins.pinned(PeerId.of(0x1e9acc), key);
        Files.writeString(
                dir.resolve(PeerKeyPins.FILE),
                Files.readString(dir.resolve(PeerKeyPins.FILE)) + "garbage line\n0000000000000001 abcd\n");
        Map<PeerId, byte[]> loaded = new PeerKeyPins(dir, now).loadOrNone();
        assertThat(loaded).containsOnlyKeys(PeerId.of(0x1e9acc));
        assertThat(HexFormat.of().formatHex(loaded.get(PeerId.of(0x1e9acc))))
                .isEqualTo(HexFormat.of().formatHex(key));
    }

    @Test
    void pinsAreWrittenOnceForABurstAndCappedOnDisk() throws IOException {
        java.util.List<Runnable> queued = new java.util.ArrayList<>();
        PeerKeyPins pins = new PeerKeyPins(dir, queued::add);
        byte[] key = IdentityKey.generate(random).publicKey();
        for (int i = 1; i <= PeerKeyPins.MAX_PINS + 5; i++) {
            pins.pinned(PeerId.of(i), key);
        }
        assertThat(queued).hasSize(1); // one write for the whole burst
        queued.forEach(Runnable::run);
        assertThat(new PeerKeyPins(dir, Runnable::run).loadOrNone()).hasSize(PeerKeyPins.MAX_PINS);
    }
}
