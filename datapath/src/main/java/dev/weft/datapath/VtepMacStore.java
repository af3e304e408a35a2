package dev.weft.datapath;

import dev.weft.datapath.netlink.MacAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the VXLAN device's MAC across restarts (a recreated device with a new MAC would leave every
 * peer's neighbour entries stale until they hear the new one). File {@code <stateDir>/vxlan-mac},
 * one line {@code aa:bb:cc:dd:ee:ff}, written atomically (temp file, fsync, rename).
 */
public final class VtepMacStore {
    public static final String FILE = "vxlan-mac";
    private static final Logger log = LoggerFactory.getLogger(VtepMacStore.class);

    private VtepMacStore() {}

    /**
     * Returns the stored MAC, or creates, stores and returns a random locally administered one. An
     * unreadable/garbled file is replaced (logged), since peers relearn the MAC through gossip.
     */
    public static MacAddress loadOrCreate(Path stateDir, RandomGenerator random) {
        Path file = stateDir.resolve(FILE);
        if (Files.exists(file)) {
            try {
                String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
                MacAddress mac = MacAddress.parse(text);
                if ((mac.bytes()[0] & 1) == 0) {
                    return mac;
                }
                log.warn("vxlan MAC file holds a multicast address, replacing it file={} value={}", file, text);
            } catch (IllegalArgumentException e) {
                log.warn(
                        "vxlan MAC file is garbled, generating a new MAC (peers will learn it by gossip) file={} error={}",
                        file,
                        e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        MacAddress mac = MacAddress.randomLocal(random);
        store(stateDir, mac);
        log.info("generated vxlan MAC mac={} file={}", mac, file);
        return mac;
    }

    static void store(Path stateDir, MacAddress mac) {
        Path file = stateDir.resolve(FILE);
        try {
            Files.createDirectories(stateDir);
            Path tmp = stateDir.resolve(FILE + ".tmp");
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap((mac + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(stateDir, StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // directory fsync is best effort on filesystems that refuse it
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store vxlan MAC in " + file + ": " + e.getMessage(), e);
        }
    }
}
