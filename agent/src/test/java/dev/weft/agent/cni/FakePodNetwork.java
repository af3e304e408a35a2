package dev.weft.agent.cni;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Records attachments in memory, like a kernel that never fails unless told to. */
final class FakePodNetwork implements PodNetwork {
    record Key(String netns, String ifName) {}

    final Map<Key, Attach> attached = new ConcurrentHashMap<>();
    volatile PodNetworkException failNextAttach;
    volatile Consumer<Attach> onAttach = a -> {};
    final java.util.List<String> detached = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public Attached attach(Attach r) throws PodNetworkException {
        onAttach.accept(r);
        PodNetworkException f = failNextAttach;
        if (f != null) {
            failNextAttach = null;
            throw f;
        }
        if (attached.putIfAbsent(new Key(r.netns(), r.ifName()), r) != null) {
            throw new PodNetworkException(PodNetworkException.Kind.INTERFACE_EXISTS, r.ifName() + " exists");
        }
        return new Attached(
                hostIfName(r.containerId(), r.ifName()), "0a:00:00:00:00:01", r.ifName(), "0a:00:00:00:00:02", r.mtu());
    }

    @Override
    public void detach(String containerId, String netns, String ifName) {
        detached.add(containerId + "/" + ifName);
        attached.entrySet()
                .removeIf(e -> e.getValue().containerId().equals(containerId)
                        && e.getKey().ifName().equals(ifName));
    }

    @Override
    public void check(Attach r) throws PodNetworkException {
        Attach have = attached.get(new Key(r.netns(), r.ifName()));
        if (have == null) throw new PodNetworkException(PodNetworkException.Kind.MISMATCH, r.ifName() + " missing");
        if (!have.address().equals(r.address())) {
            throw new PodNetworkException(PodNetworkException.Kind.MISMATCH, "address " + have.address());
        }
    }

    @Override
    public String hostIfName(String containerId, String ifName) {
        return "weft" + Integer.toHexString((containerId + ifName).hashCode());
    }
}
