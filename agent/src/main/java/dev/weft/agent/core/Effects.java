package dev.weft.agent.core;

import dev.weft.id.PeerId;
import dev.weft.ipam.store.PersistedState;

/**
 * Everything the controller asks of the world. It does no I/O itself: the runtime runs each effect on the executor
 * that owns it (disk, kernel, gossip) and reports the outcome back as an event ({@code onPersisted},
 * {@code onDatapathApplied}). Every method hands over and returns at once.
 */
public interface Effects {
    /** Write this IPAM state durably (fsync), then report {@code onPersisted(seq)} or {@code onPersistFailed}. */
    void persist(long seq, PersistedState state);

    /**
     * Bring the kernel to the datapath wanted for the request's view (routes, FDB, neighbours, the pod host routes,
     * nftables for the cluster ranges), then report {@code onDatapathApplied(seq, …)}.
     */
    void applyDatapath(DatapathRequest request);

    /** Publish this node's record through gossip (owner-written). */
    void publishRecord(byte[] record);

    /** The ring's full state changed: serve it for anti-entropy from now on (gossip reads it without waiting). */
    void publishRingState(byte[] fullState);

    /** A change of range ownership made here: let it spread to every member as a delta. */
    void publishRingDelta(byte[] delta);

    /** A point-to-point message (best effort; the controller retries on its own schedule). */
    void send(PeerId to, String topic, byte[] payload);

    /** A peer restarted or changed state: its kernel-path probe history says nothing any more; forget it. */
    void forgetPathHealth(PeerId peer);

    /** This node's ranges were reclaimed while it was away: wipe its state and restart with a new identity. */
    void restartAsNewPeer();

    // ---- dual stack: the IPv6 ring has its own state file and gossip channel ------------------------------------

    /** {@link #persist} for the IPv6 ring of a dual-stack node; report {@code onPersistedV6}/{@code onPersistFailedV6}. */
    default void persistV6(long seq, PersistedState state) {
        throw new UnsupportedOperationException("these effects serve a single-stack controller only");
    }

    /** {@link #publishRingState} for the IPv6 ring of a dual-stack node. */
    default void publishRingStateV6(byte[] fullState) {
        throw new UnsupportedOperationException("these effects serve a single-stack controller only");
    }

    /** {@link #publishRingDelta} for the IPv6 ring of a dual-stack node. */
    default void publishRingDeltaV6(byte[] delta) {
        throw new UnsupportedOperationException("these effects serve a single-stack controller only");
    }
}
