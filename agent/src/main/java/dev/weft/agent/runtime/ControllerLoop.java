package dev.weft.agent.runtime;

import dev.weft.agent.core.AgentController;
import dev.weft.agent.core.ControllerSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's one thread: events from gossip, CNI, the disk and kernel workers and the timer are queued here
 * and handed to the controller one at a time; after each batch the controller's snapshot is published for readers
 * on other threads. Posting never blocks the poster; an event that throws is logged and the loop goes on.
 */
final class ControllerLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerLoop.class);
    private static final int BATCH = 256;

    private record Task(String what, Consumer<AgentController> action) {}

    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile AgentController controller;
    private volatile ControllerSnapshot snapshot;
    private volatile boolean closed;
    private volatile long batchStartNanos;

    ControllerLoop(ThreadFactory threads) {
        this.thread = threads.newThread(this::run);
    }

    /** Starts the loop with the controller (built on the caller's thread before anything is posted). */
    void start(AgentController c) {
        this.controller = c;
        this.snapshot = c.snapshot();
        thread.start();
    }

    /** Queues an event for the controller; returns at once. */
    void post(String what, Consumer<AgentController> action) {
        if (closed) return;
        queue.add(new Task(what, action));
    }

    ControllerSnapshot snapshot() {
        return snapshot;
    }

    /** How long the loop has been busy with its current batch (0 when idle): readiness reports a stuck loop. */
    long busyNanos() {
        long start = batchStartNanos;
        return start == 0 ? 0 : Math.max(1, System.nanoTime() - start);
    }

    int queued() {
        return queue.size();
    }

    private void run() {
        List<Task> batch = new ArrayList<>(BATCH);
        while (!closed) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            batchStartNanos = System.nanoTime();
            queue.drainTo(batch, BATCH - 1);
            for (Task t : batch) {
                try {
                    t.action().accept(controller);
                } catch (RuntimeException e) {
                    log.atError()
                            .addKeyValue("event", t.what())
                            .setCause(e)
                            .log("controller event failed; continuing: " + e);
                }
            }
            batch.clear();
            try {
                snapshot = controller.snapshot();
            } catch (RuntimeException e) {
                log.atError().setCause(e).log("controller snapshot failed: " + e);
            }
            batchStartNanos = 0;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(2_000);
    }
}
