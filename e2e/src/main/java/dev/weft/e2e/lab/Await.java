package dev.weft.e2e.lab;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.pollinterval.PollInterval;

/**
 * The lab's waits (no fixed sleeps), on Awaitility: polls on the calling thread with a short, growing interval
 * and turns a timeout into {@link LabTimeoutException} naming what was awaited. Tests use Awaitility directly.
 */
public final class Await {
    private Await() {}

    /** 5 ms, doubling up to 50 ms. */
    private static final PollInterval BACKOFF = (count, previous) ->
            count <= 1 ? Duration.ofMillis(5) : min(previous.multipliedBy(2), Duration.ofMillis(50));

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Waits until {@code condition} is true; throws {@link LabTimeoutException} naming {@code what} otherwise. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        value(what, timeout, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Waits until {@code probe} yields a value and returns it. */
    public static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe) {
        AtomicReference<T> found = new AtomicReference<>();
        try {
            Awaitility.await(what)
                    .atMost(timeout)
                    .pollInSameThread()
                    .pollDelay(Duration.ZERO)
                    .pollInterval(BACKOFF)
                    .until(() -> probe.get()
                            .map(v -> {
                                found.set(v);
                                return true;
                            })
                            .orElse(false));
        } catch (ConditionTimeoutException e) {
            throw new LabTimeoutException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
        }
        return found.get();
    }

    /** Like {@link #until} but returns false on timeout instead of throwing. */
    public static boolean poll(Duration timeout, BooleanSupplier condition) {
        try {
            until("condition", timeout, condition);
            return true;
        } catch (LabTimeoutException e) {
            return false;
        }
    }
}
