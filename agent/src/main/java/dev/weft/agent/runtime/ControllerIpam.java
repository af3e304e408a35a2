package dev.weft.agent.runtime;

import dev.weft.agent.cni.CniIpam;
import dev.weft.agent.cni.PodNetworkException;
import dev.weft.agent.core.AgentController;
import dev.weft.agent.core.Reply;
import dev.weft.agent.core.SpaceOutlook;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The CNI server's view of IPAM: each call is an event for the controller and the CNI worker thread (never the
 * controller or gossip) waits for the answer. A controller that does not answer in time is reported as busy
 * (try again, CNI code 11); only a failed disk write is reported as a disk problem.
 */
final class ControllerIpam implements CniIpam {
    static final long TIMEOUT_MS = 10_000;

    private final ControllerLoop loop;
    private final boolean dualStack;

    private record Answer(AllocationResult result, SpaceOutlook space) {}

    ControllerIpam(ControllerLoop loop) {
        this(loop, false);
    }

    /** {@code dualStack}: every pod also gets an address from the IPv6 ring. */
    ControllerIpam(ControllerLoop loop, boolean dualStack) {
        this.loop = loop;
        this.dualStack = dualStack;
    }

    @Override
    public Optional<Allocation> allocateV6(String containerId, String ifName) throws IOException {
        if (!dualStack) return Optional.empty();
        AllocationResult r =
                call("allocate IPv6", (c, reply) -> c.onAllocateV6(new AttachmentKey(containerId, ifName), reply));
        return Optional.of(
                switch (r) {
                    case AllocationResult.Allocated a -> new Allocation.Assigned(a.address(), a.fresh());
                    case AllocationResult.NoSpaceYet n -> new Allocation.NoSpaceYet("IPv6: " + n.reason());
                });
    }

    @Override
    public Optional<IpAddress> lookupV6(String containerId, String ifName) {
        if (!dualStack) return Optional.empty();
        try {
            return call("lookup IPv6", (c, reply) -> c.onLookupV6(new AttachmentKey(containerId, ifName), reply));
        } catch (IOException e) {
            return Optional.empty(); // lookups are answered from memory: not reached
        }
    }

    @Override
    public Allocation allocate(String containerId, String ifName) throws IOException {
        Answer answer = call(
                "allocate",
                (c, reply) -> c.onAllocate(new AttachmentKey(containerId, ifName), new Reply<>() {
                    @Override
                    public void ok(AllocationResult r) {
                        // no address: how full the cluster range is, read on the controller's thread with the answer
                        reply.ok(new Answer(r, r instanceof AllocationResult.NoSpaceYet ? c.spaceOutlook() : null));
                    }

                    @Override
                    public void fail(Failure f) {
                        reply.fail(f);
                    }
                }));
        return switch (answer.result()) {
            case AllocationResult.Allocated a -> new Allocation.Assigned(a.address(), a.fresh());
            case AllocationResult.NoSpaceYet n ->
                answer.space().verdict().stuck()
                        ? new Allocation.NoSpaceYet(
                                n.reason(),
                                answer.space().summary(),
                                answer.space().advice())
                        : new Allocation.NoSpaceYet(n.reason());
        };
    }

    @Override
    public Optional<IpAddress> lookup(String containerId, String ifName) {
        try {
            return call("lookup", (c, reply) -> c.onLookup(new AttachmentKey(containerId, ifName), reply));
        } catch (IOException e) {
            return Optional.empty(); // lookups are answered from memory: not reached
        }
    }

    @Override
    public boolean release(String containerId, String ifName) throws IOException {
        return call("release", (c, reply) -> c.onRelease(new AttachmentKey(containerId, ifName), reply));
    }

    @Override
    public Collection<Attachment> attachments() {
        try {
            List<AttachmentKey> keys = call("attachments", AgentController::onAttachments);
            return keys.stream()
                    .map(k -> new Attachment(k.containerId(), k.ifName()))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public void awaitHostRoute(String containerId, String ifName) throws PodNetworkException {
        try {
            this.<Void>call("host route", (c, reply) -> c.onPodPlumbed(new AttachmentKey(containerId, ifName), reply));
        } catch (IOException e) {
            throw new PodNetworkException(PodNetworkException.Kind.KERNEL, e.getMessage());
        }
    }

    private <T> T call(String what, BiConsumer<AgentController, Reply<T>> event) throws IOException {
        CompletableFuture<T> answer = new CompletableFuture<>();
        Reply<T> reply = new Reply<>() {
            @Override
            public void ok(T value) {
                answer.complete(value);
            }

            @Override
            public void fail(Failure f) {
                answer.completeExceptionally(new Failed(f));
            }
        };
        loop.post("cni " + what, c -> event.accept(c, reply));
        try {
            return answer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Busy("its controller did not answer '" + what + "' within " + TIMEOUT_MS / 1000 + " s ("
                    + loop.queued() + " events queued)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Busy("interrupted while waiting for '" + what + "'");
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof Failed f)) throw new IllegalStateException(e.getCause());
            if (f.failure instanceof Reply.Failure.TryAgain t) throw new Busy(t.message());
            throw new IOException(f.failure.message());
        }
    }

    private static final class Failed extends Exception {
        final Reply.Failure failure;

        Failed(Reply.Failure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }
    }
}
