package dev.weft.agent.runtime;

import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Writes IPAM state on its own thread (write, fsync, rename, fsync the directory: {@code FileIpamStore}) and reports
 * the outcome back to the controller. A slow or full disk delays only the answers that wait for it, never gossip.
 */
final class DiskWriter implements AutoCloseable {
    /** Where outcomes go. */
    interface Outcome {
        void written(long seq);

        void failed(long seq, String error);
    }

    private final IpamStore store;
    private final ExecutorService executor;
    private final Outcome outcome;

    DiskWriter(IpamStore store, ThreadFactory threads, Outcome outcome) {
        this.store = store;
        this.executor = Executors.newSingleThreadExecutor(threads);
        this.outcome = outcome;
    }

    void write(long seq, PersistedState state) {
        executor.execute(() -> {
            try {
                store.save(state);
                outcome.written(seq);
            } catch (IOException | RuntimeException e) {
                outcome.failed(seq, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        });
    }

    /** Removes the state for good (the node was removed and restarts with a new identity); waits for it. */
    void deleteNow() throws IOException {
        try {
            executor.submit(() -> {
                        store.delete();
                        return null;
                    })
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("could not delete the IPAM state: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
