package dev.weft.datapath.sleeve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chooses, per peer, between the kernel VXLAN path and the sleeve from probe results over the
 * kernel path. Pure and single-threaded: fed with events and the current time
 * ({@code nowNanos}, any monotonic origin), it never reads a clock or starts a thread.
 *
 * <ul>
 *   <li>A peer starts on {@link Mode#KERNEL} (or {@link Mode#SLEEVE} when the kernel path is
 *       unavailable on this node, see {@link Settings#kernelAvailable}).</li>
 *   <li>{@link #onProbeSent} registers an outstanding probe; {@link #onProbeAck} answers it (a
 *       success); {@link #onTick} turns probes older than the timeout into failures.</li>
 *   <li>After {@link Settings#failuresToFallback} consecutive failures a peer falls back to SLEEVE;
 *       after {@link Settings#successesToUpgrade} consecutive successes it goes back to KERNEL.</li>
 *   <li>Every change is reported to the {@link Listener} with the reason.</li>
 * </ul>
 */
public final class PathHealth {
    public enum Mode {
        KERNEL,
        SLEEVE
    }

    /**
     * @param failuresToFallback consecutive failed probes that switch a peer to the sleeve (default 3)
     * @param successesToUpgrade consecutive good probes that switch it back to the kernel path (default 5)
     * @param probeTimeout       a probe without an answer after this long is a failure (default 1 s)
     * @param kernelAvailable    false when this node cannot use kernel VXLAN at all: every peer stays on the sleeve
     */
    public record Settings(
            int failuresToFallback, int successesToUpgrade, Duration probeTimeout, boolean kernelAvailable) {
        public Settings {
            if (failuresToFallback < 1) throw new IllegalArgumentException("failuresToFallback must be >= 1");
            if (successesToUpgrade < 1) throw new IllegalArgumentException("successesToUpgrade must be >= 1");
            if (probeTimeout == null || probeTimeout.isNegative() || probeTimeout.isZero()) {
                throw new IllegalArgumentException("probeTimeout must be positive");
            }
        }

        public static Settings defaults() {
            return new Settings(3, 5, Duration.ofSeconds(1), true);
        }
    }

    /** Receives mode changes (synchronously, on the caller's thread). */
    @FunctionalInterface
    public interface Listener {
        void onModeChange(long peerId, Mode from, Mode to, String reason);
    }

    /**
     * Status of one peer.
     *
     * @param lastSuccessNanos time of the last good probe, or -1 if none yet
     * @param lastChangeNanos  time of the last mode change, or -1 if never
     */
    public record PeerStatus(
            long peerId,
            Mode mode,
            int consecutiveFailures,
            int consecutiveSuccesses,
            long lastSuccessNanos,
            long lastChangeNanos,
            long probesSent,
            long probesFailed,
            long modeChanges) {}

    private static final class Peer {
        final long id;
        Mode mode;
        int failures;
        int successes;
        long lastSuccess = -1;
        long lastChange = -1;
        long sent;
        long failed;
        long changes;
        final TreeMap<Long, Long> outstanding = new TreeMap<>(); // seq -> sent at

        Peer(long id, Mode mode) {
            this.id = id;
            this.mode = mode;
        }
    }

    private final Settings settings;
    private final Listener listener;
    private final long timeoutNanos;
    private final Map<Long, Peer> peers = new HashMap<>();

    public PathHealth(Settings settings, Listener listener) {
        this.settings = settings;
        this.listener = listener;
        this.timeoutNanos = settings.probeTimeout().toNanos();
    }

    /** Starts tracking a peer (idempotent). */
    public void addPeer(long peerId) {
        peers.computeIfAbsent(peerId, id -> new Peer(id, settings.kernelAvailable() ? Mode.KERNEL : Mode.SLEEVE));
    }

    public void removePeer(long peerId) {
        peers.remove(peerId);
    }

    /** The path to use for a peer; unknown peers use the kernel path if this node has one. */
    public Mode mode(long peerId) {
        Peer p = peers.get(peerId);
        if (p == null) return settings.kernelAvailable() ? Mode.KERNEL : Mode.SLEEVE;
        return p.mode;
    }

    /** A probe with sequence number {@code seq} went out to {@code peerId} over the kernel path. */
    public void onProbeSent(long peerId, long seq, long nowNanos) {
        Peer p = peers.get(peerId);
        if (p == null) return;
        p.sent++;
        p.outstanding.put(seq, nowNanos);
        // bound memory: probes far older than the timeout are expired in onTick, but cap anyway
        while (p.outstanding.size() > 64) {
            p.outstanding.pollFirstEntry();
            p.failed++;
            fail(p, nowNanos, "probe backlog");
        }
    }

    /** The answer to probe {@code seq} arrived. Unknown or late (already failed) answers are ignored. */
    public void onProbeAck(long peerId, long seq, long nowNanos) {
        Peer p = peers.get(peerId);
        if (p == null) return;
        Long sentAt = p.outstanding.remove(seq);
        if (sentAt == null) return;
        if (nowNanos - sentAt > timeoutNanos) {
            p.failed++;
            fail(p, nowNanos, "probe answered after the timeout");
            return;
        }
        succeed(p, nowNanos);
    }

    /** Records an outcome directly (e.g. a probe that could not even be sent: a failure). */
    public void onProbeResult(long peerId, boolean success, long nowNanos) {
        Peer p = peers.get(peerId);
        if (p == null) return;
        if (success) {
            succeed(p, nowNanos);
        } else {
            p.failed++;
            fail(p, nowNanos, "probe could not be sent");
        }
    }

    /** Expires outstanding probes older than the timeout (each one is a failure). */
    public void onTick(long nowNanos) {
        for (Peer p : peers.values()) {
            Iterator<Map.Entry<Long, Long>> it = p.outstanding.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Long, Long> e = it.next();
                if (nowNanos - e.getValue() > timeoutNanos) {
                    it.remove();
                    p.failed++;
                    fail(
                            p,
                            nowNanos,
                            "no answer to probe within "
                                    + settings.probeTimeout().toMillis() + " ms");
                }
            }
        }
    }

    private void succeed(Peer p, long now) {
        p.lastSuccess = now;
        p.failures = 0;
        p.successes++;
        if (p.mode == Mode.SLEEVE && settings.kernelAvailable() && p.successes >= settings.successesToUpgrade()) {
            change(p, Mode.KERNEL, now, p.successes + " consecutive probes over the kernel VXLAN path succeeded");
        }
    }

    private void fail(Peer p, long now, String why) {
        p.successes = 0;
        p.failures++;
        if (p.mode == Mode.KERNEL && p.failures >= settings.failuresToFallback()) {
            change(
                    p,
                    Mode.SLEEVE,
                    now,
                    p.failures + " consecutive probes over the kernel VXLAN path failed (" + why
                            + "); check that UDP to the VXLAN port is allowed between the nodes");
        }
    }

    private void change(Peer p, Mode to, long now, String reason) {
        Mode from = p.mode;
        p.mode = to;
        p.lastChange = now;
        p.changes++;
        p.failures = 0;
        p.successes = 0;
        listener.onModeChange(p.id, from, to, reason);
    }

    /** An immutable status snapshot of every peer, ordered by peer id. */
    public List<PeerStatus> snapshot() {
        List<PeerStatus> out = new ArrayList<>(peers.size());
        for (Peer p : peers.values()) {
            out.add(new PeerStatus(
                    p.id, p.mode, p.failures, p.successes, p.lastSuccess, p.lastChange, p.sent, p.failed, p.changes));
        }
        out.sort((a, b) -> Long.compareUnsigned(a.peerId(), b.peerId()));
        return List.copyOf(out);
    }
}
