package dev.weft.k8s.discovery;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a caller-provided executor (which may itself be
 * multi-threaded). A task that throws is logged and does not stop the ones after it.
 */
final class SerialDelivery implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialDelivery.class);

    private final Executor target;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SerialDelivery(Executor target) {
        this.target = target;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            target.execute(this::drain);
        }
    }

    private void drain() {
        try {
            Runnable r;
            while ((r = queue.poll()) != null) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("node event listener failed; the event is dropped, later events are still delivered", e);
                }
            }
        } finally {
            scheduled.set(false);
            if (!queue.isEmpty()) schedule();
        }
    }
}
