package dev.weft.ipam;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceRequest;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod addresses (CNI ADD, DEL, GC). Every change is saved before it returns, and none touches the
 * ring: pod churn stays on this node (the free-space hint travels in the node record instead).
 */
final class PodAddresses {
    private static final Logger log = LoggerFactory.getLogger(PodAddresses.class);

    private final NodeState s;
    private final SpaceRequester requester;

    PodAddresses(NodeState s, SpaceRequester requester) {
        this.s = s;
        this.requester = requester;
    }

    AllocationResult allocate(String containerId, String ifName, long nowMillis) throws IOException {
        s.checkUsable();
        AttachmentKey key = new AttachmentKey(containerId, ifName);
        Optional<IpAddress> existing = s.alloc.lookup(key);
        if (existing.isPresent()) {
            return new AllocationResult.Allocated(existing.get(), false);
        }
        String notYet = null;
        if (s.ring() == null) {
            notYet = "the IPAM ring does not exist yet (waiting for the seeds or the ring creator)";
        } else if (s.isRemoved()) {
            notYet = "this peer was removed from the cluster and is starting over";
        } else if (!s.synced) {
            notYet = "waiting for the first ring exchange with a peer since the agent started";
        }
        if (notYet != null) {
            s.counters.noSpace++;
            return new AllocationResult.NoSpaceYet(notYet, Optional.empty());
        }
        Optional<IpAddress> pick = s.alloc.pickFree(s.owned());
        if (pick.isEmpty()) {
            s.counters.noSpace++;
            Optional<SpaceRequest> req = requester.requestIfNeeded(nowMillis);
            String reason = s.owned().isEmpty()
                    ? "this node owns no addresses yet; it has asked a peer for space"
                    : "all " + s.ring().sizeByOwner().getOrDefault(s.self, 0L)
                            + " addresses owned by this node are in use; it has asked a peer for more";
            return new AllocationResult.NoSpaceYet(reason, req);
        }
        IpAddress a = pick.get();
        s.transact(() -> s.alloc.put(key, a), () -> s.alloc.remove(key));
        s.counters.allocations++;
        log.debug("allocated pod={} address={}", key, a);
        return new AllocationResult.Allocated(a, true);
    }

    Optional<IpAddress> lookup(String containerId, String ifName) {
        return s.alloc.lookup(new AttachmentKey(containerId, ifName));
    }

    boolean release(String containerId, String ifName) throws IOException {
        s.checkUsable();
        AttachmentKey key = new AttachmentKey(containerId, ifName);
        Optional<IpAddress> held = s.alloc.lookup(key);
        if (held.isEmpty()) {
            return false;
        }
        s.transact(() -> s.alloc.remove(key), () -> s.alloc.put(key, held.get()));
        s.counters.releases++;
        log.debug("released pod={} address={}", key, held.get());
        return true;
    }

    GcResult gc(Collection<AttachmentKey> valid) throws IOException {
        s.checkUsable();
        Set<AttachmentKey> keep = new HashSet<>(valid);
        Map<AttachmentKey, IpAddress> drop = new LinkedHashMap<>();
        for (Map.Entry<AttachmentKey, IpAddress> e : s.alloc.byKey().entrySet()) {
            if (!keep.contains(e.getKey())) {
                drop.put(e.getKey(), e.getValue());
            }
        }
        if (drop.isEmpty()) {
            return new GcResult(Map.of());
        }
        s.transact(() -> drop.keySet().forEach(s.alloc::remove));
        s.counters.gcReleased += drop.size();
        log.info("garbage-collected allocations count={} attachments={}", drop.size(), drop.keySet());
        return new GcResult(drop);
    }
}
