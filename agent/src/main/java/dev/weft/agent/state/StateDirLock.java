package dev.weft.agent.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock on the state directory ({@code <state dir>/lock}, an OS file lock held for the agent's whole
 * life): the first thing the agent takes, so two agents never share a peer id, an IPAM state or a ring. The kernel
 * drops the lock when the process dies, however it dies; the file itself stays and means nothing on its own.
 */
public final class StateDirLock implements AutoCloseable {
    static final String FILE = "lock";

    private final FileChannel channel;
    private final FileLock lock;

    /** Another process (or this one) holds the lock: a second agent on the same state directory. */
    public static final class HeldException extends Exception {
        public HeldException(String message) {
            super(message);
        }
    }

    private StateDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock without waiting; {@link HeldException} when another agent has it. */
    public static StateDirLock acquire(Path stateDir) throws IOException, HeldException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by this JVM already
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new HeldException("another weft agent is already running with the state directory " + stateDir
                    + " (it holds " + file
                    + "); two agents on one state directory would share a peer id and hand out the "
                    + "same addresses: stop the other agent first, or give this one its own --state-dir");
        }
        return new StateDirLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
