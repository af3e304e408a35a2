package dev.weft.datapath.sleeve;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.IntSupplier;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How a sleeve event loop waits: after a round that had work it keeps polling epoll without blocking for up to
 * {@code spin}, and only then sleeps in {@code epoll_wait}. A packet's answer usually comes back within one round trip
 * (the peer's reply to what this loop just sent), and catching it while polling saves the thread wake-up that
 * sleeping would cost (issue 17: on a paravirtualised VM each wake-up is tens of µs). The spin is bounded and only
 * follows activity, so an idle loop burns nothing: it blocks once {@code spin} has passed without an event. Between
 * polls it yields the CPU, so a spinning loop never holds back another thread that has work.
 *
 * <p>A task submitted from another thread during a spin waits until the spin ends (at most {@code spin}), because
 * Netty only reports pending tasks when the strategy is asked. {@code spin = 0} is Netty's default behaviour.
 */
public final class SleeveSelectStrategy implements SelectStrategy {
    /** The default poll time after activity: about one sleeve round trip on a quiet node. */
    public static final Duration DEFAULT_SPIN = Duration.ofNanos(200_000);

    private final long spinNanos;
    private final LongSupplier nanoTime;

    SleeveSelectStrategy(long spinNanos, LongSupplier nanoTime) {
        if (spinNanos < 0) throw new IllegalArgumentException("spin must not be negative, got " + spinNanos + " ns");
        this.spinNanos = spinNanos;
        this.nanoTime = nanoTime;
    }

    /**
     * An epoll I/O handler factory for the sleeve's event loop group whose loops poll for {@code spin} after each
     * round with work before they sleep.
     */
    public static IoHandlerFactory ioHandlerFactory(Duration spin) {
        long ns = spin.toNanos();
        return EpollIoHandler.newFactory(0, () -> new SleeveSelectStrategy(ns, System::nanoTime));
    }

    /**
     * Called by the loop before each round, right after the previous round's work: with tasks waiting, look without
     * blocking (Netty's default); otherwise poll until an event comes (their count: handle them) or the spin is over
     * (block).
     */
    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (hasTasks) return selectNow.get();
        if (spinNanos == 0) return SelectStrategy.SELECT;
        long start = nanoTime.getAsLong();
        while (true) {
            int ready = selectNow.get();
            if (ready > 0) return ready;
            if (nanoTime.getAsLong() - start >= spinNanos) return SelectStrategy.SELECT;
            // yield, not a busy pause: a thread of this CPU that has work (the loop of the other end of a round trip
            // on the same machine, the application) runs first, so polling never delays what it waits for
            Thread.yield();
        }
    }
}
