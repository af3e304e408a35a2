package dev.weft.agent.runtime;

import dev.weft.agent.cni.CniIpam;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceRequest;
import java.io.IOException;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The CNI server's view of IPAM: every call runs on the agent's loop (which owns {@link IpamNode}) and waits
 * for the answer, which IPAM persisted before returning it. "No space yet" also sends the space request
 * IPAM produced, so the node asks a donor at once.
 */
final class LoopIpam implements CniIpam {
    private static final long TIMEOUT_MS = 10_000;

    private final AgentLoop loop;
    private final Supplier<IpamNode> ipam;
    private final LongSupplier nowMillis;
    private final Consumer<SpaceRequest> sendRequest;
    private final Runnable changed;

    LoopIpam(AgentLoop loop, Supplier<IpamNode> ipam, LongSupplier nowMillis, Consumer<SpaceRequest> sendRequest, Runnable changed) {
        this.loop = loop;
        this.ipam = ipam;
        this.nowMillis = nowMillis;
        this.sendRequest = sendRequest;
        this.changed = changed;
    }

    @Override
    public Allocation allocate(String containerId, String ifName) throws IOException {
        return onLoop("allocate", () -> {
            AllocationResult r = ipam.get().allocate(containerId, ifName, nowMillis.getAsLong());
            return switch (r) {
                case AllocationResult.Allocated a -> {
                    if (a.fresh()) changed.run();
                    yield new Allocation.Assigned(a.address(), a.fresh());
                }
                case AllocationResult.NoSpaceYet n -> {
                    n.request().ifPresent(sendRequest);
                    yield new Allocation.NoSpaceYet(n.reason());
                }
            };
        });
    }

    @Override
    public Optional<IpAddress> lookup(String containerId, String ifName) {
        try {
            return onLoop("lookup", () -> ipam.get().lookup(containerId, ifName));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean release(String containerId, String ifName) throws IOException {
        return onLoop("release", () -> {
            boolean released = ipam.get().release(containerId, ifName);
            if (released) changed.run();
            return released;
        });
    }

    @Override
    public Collection<Attachment> attachments() {
        try {
            return onLoop("attachments", () -> ipam.get().allocations().keySet().stream()
                    .map((AttachmentKey k) -> new Attachment(k.containerId(), k.ifName())).toList());
        } catch (IOException e) {
            return java.util.List.of();
        }
    }

    private <T> T onLoop(String what, java.util.concurrent.Callable<T> task) throws IOException {
        try {
            return loop.call("cni " + what, TIMEOUT_MS, task);
        } catch (IOException | RuntimeException e) {
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
