package dev.weft.agent.cni;

import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.store.FileIpamStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * Test/benchmark-only {@link CniIpam} over a real {@link IpamNode} with its file store (atomic write +
 * fsync per change), owning the whole test range as the ring's creator. The agent itself goes through its
 * event loop instead (agent.runtime.LoopIpam); this one simply serialises calls.
 */
final class LocalIpamNode implements CniIpam {
    private final IpamNode node;

    LocalIpamNode(Path stateDir, String range) throws IOException {
        node = IpamNode.open(
                IpamConfig.of(Cidr.parse(range), 64),
                new FileIpamStore(stateDir),
                dev.weft.id.PeerId.of(0x5eedL),
                "bench-node");
        node.bootstrapAsCreator("cni-test");
    }

    @Override
    public synchronized Allocation allocate(String containerId, String ifName) throws IOException {
        return switch (node.allocate(containerId, ifName, System.nanoTime() / 1_000_000)) {
            case AllocationResult.Allocated a -> new Allocation.Assigned(a.address(), a.fresh());
            case AllocationResult.NoSpaceYet n -> new Allocation.NoSpaceYet(n.reason());
        };
    }

    @Override
    public synchronized Optional<IpAddress> lookup(String containerId, String ifName) {
        return node.lookup(containerId, ifName);
    }

    @Override
    public synchronized boolean release(String containerId, String ifName) throws IOException {
        return node.release(containerId, ifName);
    }

    @Override
    public synchronized Collection<Attachment> attachments() {
        return node.allocations().keySet().stream()
                .map(k -> new Attachment(k.containerId(), k.ifName()))
                .toList();
    }

    synchronized int allocated() {
        return node.allocations().size();
    }
}
