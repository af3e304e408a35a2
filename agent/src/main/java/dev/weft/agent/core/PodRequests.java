package dev.weft.agent.core;

import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * CNI requests as the controller serves them: an address is answered once the allocation is on disk; a release
 * once the release is; a plumbed pod once the datapath apply that includes its host route has run. Allocating or
 * releasing never touches the ring (pod churn stays on this node).
 */
final class PodRequests {
    private record RouteWait(AttachmentKey key, IpAddress address, long seq, Reply<Void> reply) {}

    private final IpamNode ipam;
    private final Durability durability;
    private final RingRole ring;
    private final Runnable changed;
    private final List<RouteWait> routeWaits = new ArrayList<>();

    PodRequests(IpamNode ipam, Durability durability, RingRole ring, Runnable changed) {
        this.ipam = ipam;
        this.durability = durability;
        this.ring = ring;
        this.changed = changed;
    }

    void allocate(AttachmentKey key, long now, String notAllowed, Reply<AllocationResult> reply) {
        if (notAllowed != null) {
            reply.fail(new Reply.Failure.TryAgain(notAllowed));
            return;
        }
        AllocationResult r;
        try {
            r = ipam.allocate(key.containerId(), key.ifName(), now);
        } catch (IOException e) {
            reply.fail(new Reply.Failure.Disk(e.getMessage())); // staged store: not reached
            return;
        }
        switch (r) {
            case AllocationResult.Allocated a -> {
                if (a.fresh()) changed.run();
                durability.afterWrite(() -> reply.ok(r), err -> reply.fail(new Reply.Failure.Disk(err)));
            }
            case AllocationResult.NoSpaceYet n -> {
                n.request().ifPresent(ring::sendSpaceRequest);
                reply.ok(r);
            }
        }
    }

    void release(AttachmentKey key, Reply<Boolean> reply) {
        boolean released;
        try {
            released = ipam.release(key.containerId(), key.ifName());
        } catch (IOException e) {
            reply.fail(new Reply.Failure.Disk(e.getMessage()));
            return;
        }
        if (released) changed.run();
        durability.afterWrite(() -> reply.ok(released), err -> reply.fail(new Reply.Failure.Disk(err)));
    }

    /** Answers when apply {@code seq} (or a later one) has run; refuses a pod that holds no address. */
    void awaitRoute(AttachmentKey key, long seq, Reply<Void> reply) {
        Optional<IpAddress> a = ipam.lookup(key.containerId(), key.ifName());
        if (a.isEmpty()) {
            reply.fail(new Reply.Failure.Refused("the pod " + key + " holds no address (released meanwhile?)"));
            return;
        }
        routeWaits.add(new RouteWait(key, a.get(), seq, reply));
    }

    /** Apply {@code seq} ran with these errors: answer the pods it covered (an error naming a pod fails that pod). */
    void onApplied(long seq, List<String> errors) {
        for (Iterator<RouteWait> it = routeWaits.iterator(); it.hasNext(); ) {
            RouteWait w = it.next();
            if (w.seq() > seq) continue;
            it.remove();
            String own = errors.stream()
                    .filter(e -> e.contains(w.address().toString() + "/"))
                    .findFirst()
                    .orElse(null);
            if (own == null) {
                w.reply().ok(null);
            } else {
                w.reply().fail(new Reply.Failure.Kernel("the host route to the pod could not be installed: " + own));
            }
        }
    }

    int waitingForRoutes() {
        return routeWaits.size();
    }
}
