package dev.weft.datapath.sleeve;

/**
 * The reader thread of one TUN queue: waits in poll(2) until the queue is readable, then sends what is there (at most
 * {@link SleeveBackend#BATCH} frames per round) through its own {@link TxQueue}. Runs on its own platform thread until
 * the backend closes; the queue's event loop may send an answer first ({@link TxQueue#drainNow}).
 */
final class TunReader implements Runnable {
    private final SleeveBackend backend;
    private final TxQueue tx;

    TunReader(SleeveBackend backend, TxQueue tx) {
        this.backend = backend;
        this.tx = tx;
    }

    @Override
    public void run() {
        try {
            while (backend.running()) {
                if (tx.awaitReadable(100)) tx.drain(SleeveBackend.BATCH);
            }
        } finally {
            tx.release();
        }
    }
}
