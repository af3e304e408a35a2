package dev.weft.datapath;

import dev.weft.datapath.netlink.NetlinkEvent;
import dev.weft.datapath.netlink.NetlinkEvents;
import dev.weft.datapath.nft.NftTable;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When to reconcile: on a view change, on a relevant netlink event and every {@code period}. Starts
 * no threads and reads no clock: the owner calls, from one thread,
 * <pre>{@code
 * loop.viewChanged(DesiredStateCalculator.compute(config, view));   // from the agent's event loop
 * while (running) {
 *     loop.pollEvents(200);            // blocks up to 200 ms on the netlink event socket
 *     loop.tick(System.nanoTime());    // reconciles if something is due
 * }
 * }</pre>
 * Event-triggered runs are spaced at least {@code minGap} apart, so the notifications caused by
 * Weft's own changes cost at most one extra (no-op) run. Not thread-safe except
 * {@link #viewChanged}, which may be called from another thread.
 */
public final class ReconcileLoop {
    private final Reconciler reconciler;
    private final NetlinkEvents events;
    private final NftTable nft;
    private final long periodNanos;
    private final long minGapNanos;

    private volatile boolean dirty = true;
    private boolean timerArmed;
    private long nextTimerAt;
    private long lastRunAt;
    private boolean ranOnce;
    private long eventsSeen;
    private long relevantEvents;

    /**
     * @param events the subscription (opened in the reconciler's namespace), or null for timer/view-driven only
     * @param nft    the nftables table to keep in step, or null
     */
    public ReconcileLoop(Reconciler reconciler, NetlinkEvents events, NftTable nft, Duration period, Duration minGap) {
        this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
        this.events = events;
        this.nft = nft;
        if (period.isNegative() || period.isZero()) throw new IllegalArgumentException("period must be positive");
        this.periodNanos = period.toNanos();
        this.minGapNanos = minGap.toNanos();
    }

    /** Sets a new desired state and asks for a run at the next {@link #tick}. */
    public void viewChanged(DesiredState state) {
        reconciler.setDesired(state);
        dirty = true;
    }

    /** Drains available netlink events (waiting up to {@code timeoutMillis} for the first); marks dirty if one is relevant. */
    public void pollEvents(int timeoutMillis) {
        if (events == null) return;
        int wait = timeoutMillis;
        while (true) {
            var batch = events.poll(wait);
            if (batch.isEmpty()) return;
            for (NetlinkEvent e : batch) {
                eventsSeen++;
                if (reconciler.isRelevant(e)) {
                    relevantEvents++;
                    dirty = true;
                }
            }
            wait = 0;
        }
    }

    /** Runs a reconcile if the view changed, an event asked for it (respecting the minimum gap) or the period elapsed. */
    public Optional<ReconcileResult> tick(long nowNanos) {
        boolean timerDue = !timerArmed || nowNanos - nextTimerAt >= 0;
        boolean dirtyDue = dirty && (!ranOnce || nowNanos - lastRunAt >= minGapNanos);
        if (!timerDue && !dirtyDue) return Optional.empty();
        dirty = false;
        ReconcileResult r = reconciler.reconcile();
        if (nft != null) nft.reconcile();
        ranOnce = true;
        lastRunAt = nowNanos;
        timerArmed = true;
        nextTimerAt = nowNanos + periodNanos;
        return Optional.of(r);
    }

    public long eventsSeen() {
        return eventsSeen;
    }

    public long relevantEvents() {
        return relevantEvents;
    }
}
