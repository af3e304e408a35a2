package dev.weft.e2e.lab;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes (no fixed sleeps in tests). */
public final class Await {
    private Await() {}

    /** Waits until {@code condition} is true; throws {@link LabTimeoutException} naming {@code what} otherwise. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        value(what, timeout, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Waits until {@code probe} yields a value and returns it. */
    public static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseNanos = Duration.ofMillis(5).toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new LabTimeoutException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            LockSupport.parkNanos(Math.min(pauseNanos, left));
            pauseNanos = Math.min(pauseNanos * 2, Duration.ofMillis(50).toNanos());
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted while waiting for " + what);
            }
        }
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
