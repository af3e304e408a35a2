package dev.weft.ipam.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the state in {@code <dir>/ipam.state} (default dir {@code /var/lib/weft}). A save writes
 * {@code ipam.state.tmp}, fsyncs it, renames it over {@code ipam.state} and fsyncs the directory,
 * so after a crash the file holds either the old or the new state, never a mix. Files are 0600.
 */
public final class FileIpamStore implements IpamStore {
    public static final String FILE_NAME = "ipam.state";
    /** The IPv6 ring's state of a dual-stack node (the primary family keeps {@link #FILE_NAME}). */
    public static final String FILE_NAME_V6 = "ipam6.state";

    private static final Logger log = LoggerFactory.getLogger(FileIpamStore.class);

    private final Path dir;
    private final Path file;
    private final Path tmp;

    public FileIpamStore(Path dir) {
        this(dir, FILE_NAME);
    }

    /** A store in {@code <dir>/<fileName>} (e.g. {@link #FILE_NAME_V6}). */
    public FileIpamStore(Path dir, String fileName) {
        this.dir = dir;
        this.file = dir.resolve(fileName);
        this.tmp = dir.resolve(fileName + ".tmp");
    }

    public Path file() {
        return file;
    }

    @Override
    public Optional<PersistedState> load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(StateCodec.decode(bytes, file.toString()));
    }

    @Override
    public void save(PersistedState state) throws IOException {
        byte[] bytes = StateCodec.encode(state);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        try (FileChannel ch = FileChannel.open(
                tmp,
                java.util.Set.of(
                        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot atomically replace " + file + ": " + e.getMessage(), e);
        }
        fsyncDir();
    }

    private void fsyncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    @Override
    public void delete() throws IOException {
        boolean existed = Files.deleteIfExists(file);
        Files.deleteIfExists(tmp);
        if (existed) {
            fsyncDir();
            log.info("deleted IPAM state file={}", file);
        }
    }
}
