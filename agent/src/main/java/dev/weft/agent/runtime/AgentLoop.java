package dev.weft.agent.runtime;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one event loop: a single thread that owns the cluster view (IPAM, peers, desired datapath).
 * Other threads (gossip, CNI, the local API) hand work to it with {@link #post} or {@link #call}; a task that
 * throws is logged and never stops the loop.
 */
public final class AgentLoop {
    private static final Logger log = LoggerFactory.getLogger(AgentLoop.class);

    private final ScheduledExecutorService executor;
    private volatile Thread thread;

    public AgentLoop(ScheduledExecutorService singleThread) {
        this.executor = singleThread;
        executor.execute(() -> thread = Thread.currentThread());
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    public void post(String what, Runnable task) {
        try {
            executor.execute(() -> guarded(what, task));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.atDebug().addKeyValue("task", what).log("agent loop is shut down; task dropped");
        }
    }

    public ScheduledFuture<?> every(String what, long period, TimeUnit unit, Runnable task) {
        return executor.scheduleWithFixedDelay(() -> guarded(what, task), period, period, unit);
    }

    /** Runs {@code task} on the loop and waits for its result (runs inline when already on the loop). */
    public <T> T call(String what, long timeoutMillis, Callable<T> task) throws Exception {
        if (inLoop()) return task.call();
        Future<T> f = executor.submit(task);
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new TimeoutException("the agent's event loop did not finish '" + what + "' within " + timeoutMillis
                    + " ms (it may be stuck in a slow kernel or disk operation)");
        }
    }

    private static void guarded(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.atError().addKeyValue("task", what).setCause(e).log("agent loop task failed; continuing: " + e);
        }
    }

    public void shutdown(long timeoutMillis) throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
    }
}
