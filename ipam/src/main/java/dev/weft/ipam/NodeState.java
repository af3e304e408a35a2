package dev.weft.ipam;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.Allocations;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.ring.Corroboration;
import dev.weft.ipam.ring.Ring;
import dev.weft.ipam.ring.RingCodec;
import dev.weft.ipam.ring.RingGenesis;
import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutable state of one node's IPAM, shared by the classes that {@link IpamNode} delegates to
 * (one per concern), and the one place that persists it: {@link #transact} applies a change,
 * saves through the {@link IpamStore} and rolls the in-memory state back if the save fails.
 * Single-threaded (the agent's event loop).
 */
final class NodeState {
    private static final Logger log = LoggerFactory.getLogger(NodeState.class);

    final IpamConfig config;
    final IpamStore store;
    final PeerId selfId;
    final long self; // selfId's 64 bits, as the ring stores owners
    final String nickname;
    final Set<IpAddress> reserved; // never handed out: the cluster range's first and last address
    final Set<Long> seedPlaceholders = new HashSet<>();
    final Counters counters = new Counters();
    final DeltaBuffer outgoing = new DeltaBuffer();
    final Corroboration pending = new Corroboration(); // full-state changes waiting for a second sender

    private Ring ring; // null until created or received
    private byte[] ringBytes; // encoded ring, cached until the ring changes
    Allocations alloc;
    RingGenesis expected; // null: adopt whatever ring of our range arrives first
    long nextRequestId;
    boolean synced; // has this node's ring been confirmed current since it was opened? (the sync gate)
    boolean discarded;

    NodeState(IpamConfig config, IpamStore store, PeerId self, String nickname) {
        this.config = config;
        this.store = store;
        this.selfId = self;
        this.self = self.value();
        this.nickname = nickname;
        this.reserved = reservedAddresses(config);
        this.alloc = new Allocations(reserved);
    }

    private static Set<IpAddress> reservedAddresses(IpamConfig config) {
        Cidr r = config.ring().range();
        return r.hostBits() >= 2 ? Set.of(r.first(), r.last()) : Set.of();
    }

    Ring ring() {
        return ring;
    }

    void setRing(Ring r) {
        if (r != ring) {
            ring = r;
            ringBytes = null;
        }
    }

    /** The encoded ring, encoded at most once per ring value. */
    byte[] ringBytes() {
        if (ringBytes == null && ring != null) {
            ringBytes = RingCodec.encode(ring);
        }
        return ringBytes;
    }

    boolean isRemoved() {
        return ring != null && ring.isRemoved(self);
    }

    List<IpRange> owned() {
        return ring == null ? List.of() : ring.rangesOwnedBy(self);
    }

    /** Addresses this node can still hand out (owned minus allocated, gateway, reserved). */
    long localFree() {
        long f = 0;
        for (IpRange r : owned()) {
            long x = alloc.freeIn(r);
            f = f + x < 0 ? Long.MAX_VALUE : f + x;
        }
        return f;
    }

    void checkUsable() {
        if (discarded) {
            throw new IllegalStateException("IPAM state of peer " + selfId + " was discarded; open a new IpamNode");
        }
    }

    /**
     * Owner follow-ups after any ring change: finish reclaims this peer made (entries the removed
     * peer wrote before it died that arrived after the reclaim) and reserve the gateway address once
     * the node owns space. Free counts are not touched: pod churn stays out of the ring.
     */
    void ownerFollowUps() {
        if (ring.isRemoved(self)) {
            return;
        }
        for (Map.Entry<Long, Long> t : ring.tombstones().entrySet()) {
            if (t.getValue() == self && ring.entries().stream().anyMatch(e -> e.owner() == t.getKey())) {
                setRing(ring.reclaim(self, t.getKey()));
            }
        }
        if (alloc.gateway().isEmpty()) {
            List<IpRange> owned = owned();
            if (!owned.isEmpty()) {
                alloc.pickFree(owned).ifPresent(g -> {
                    alloc.setGateway(g);
                    log.info("reserved gateway address peer={} address={}", selfId, g);
                });
            }
        }
    }

    // ------------------------------------------------------------------ persistence

    /**
     * Takes the state saved by an earlier run of this peer.
     *
     * @throws IpamStateMismatchException if it belongs to another peer id or another range/block, or
     *     holds allocations outside the ranges this peer owns
     */
    void restore(PersistedState p) throws IpamStateMismatchException {
        if (p.self() != self) {
            throw new IpamStateMismatchException(
                    "stored IPAM state belongs to peer " + SpaceMessages.hex(p.self()) + " but this agent is peer "
                            + selfId + "; the peer id file and the IPAM state file must move together");
        }
        if (!p.config().equals(config.ring())) {
            throw new IpamStateMismatchException(
                    "stored IPAM state is for " + p.config() + " but the agent is configured with " + config.ring()
                            + "; changing the cluster range of a running cluster is not supported");
        }
        setRing(p.ring().orElse(null));
        nextRequestId = p.nextRequestId();
        p.gateway().ifPresent(alloc::setGateway);
        for (Map.Entry<AttachmentKey, IpAddress> e : p.allocations().entrySet()) {
            alloc.restore(e.getKey(), e.getValue());
        }
        if (ring != null) {
            expected = ring.genesis();
            List<IpRange> owned = owned();
            for (Map.Entry<IpAddress, AttachmentKey> e : alloc.byAddress().entrySet()) {
                if (owned.stream().noneMatch(r -> r.contains(e.getKey()))) {
                    throw new IpamStateMismatchException("stored allocation " + e.getValue() + " -> " + e.getKey()
                            + " lies outside the ranges this peer owns; refusing to start");
                }
            }
        } else if (alloc.count() > 0) {
            throw new IpamStateMismatchException("stored IPAM state has allocations but no ring");
        }
        log.info(
                "loaded IPAM state peer={} ring={} allocations={} gateway={}",
                selfId,
                ring == null ? "none" : ring.genesis(),
                alloc.count(),
                alloc.gateway().map(IpAddress::toString).orElse("none"));
    }

    interface Change {
        void apply();
    }

    /** Applies a change and saves; on a failed save restores the previous in-memory state. */
    void transact(Change change) throws IOException {
        Allocations allocBefore = alloc.copy();
        transact(change, () -> alloc = allocBefore);
    }

    /**
     * Applies a change and saves; on failure restores the ring and runs {@code undoAllocations},
     * which must put the allocations back as they were (cheaper than a copy for one-address changes).
     */
    void transact(Change change, Runnable undoAllocations) throws IOException {
        Ring ringBefore = ring;
        RingGenesis expectedBefore = expected;
        try {
            change.apply();
            store.save(snapshot());
        } catch (IOException | RuntimeException e) {
            setRing(ringBefore);
            undoAllocations.run();
            expected = expectedBefore;
            if (e instanceof IOException io) {
                log.error("could not save IPAM state peer={}: {}", selfId, io.toString());
                throw io;
            }
            throw e;
        }
    }

    PersistedState snapshot() {
        return new PersistedState(
                self,
                nickname,
                config.ring(),
                Optional.ofNullable(ring),
                alloc.byKey(),
                alloc.gateway(),
                nextRequestId);
    }
}
