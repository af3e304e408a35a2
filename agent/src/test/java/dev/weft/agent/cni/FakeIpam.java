package dev.weft.agent.cni;

import dev.weft.ipam.addr.IpAddress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** In-memory allocator over 198.18.0.2.. for tests; can be switched to "no space yet". */
final class FakeIpam implements CniIpam {
    private final Map<Attachment, IpAddress> byKey = new LinkedHashMap<>();
    private int next;
    private final int base;
    private final int size;
    volatile String noSpaceReason;
    /** With {@link #noSpaceReason}: the cluster range is full (the agent's diagnosis and advice). */
    volatile String shortage;

    volatile String whatToDo;
    int releases;

    FakeIpam(String first, int size) {
        this.base = IpAddress.parse(first).toIpv4Int();
        this.size = size;
    }

    @Override
    public synchronized Allocation allocate(String containerId, String ifName) {
        if (noSpaceReason != null) return new Allocation.NoSpaceYet(noSpaceReason, shortage, whatToDo);
        Attachment k = new Attachment(containerId, ifName);
        IpAddress have = byKey.get(k);
        if (have != null) return new Allocation.Assigned(have, false);
        for (int i = 0; i < size; i++) {
            IpAddress cand = IpAddress.ipv4(base + (next + i) % size);
            if (!byKey.containsValue(cand)) {
                next = (next + i + 1) % size;
                byKey.put(k, cand);
                return new Allocation.Assigned(cand, true);
            }
        }
        return new Allocation.NoSpaceYet("all " + size + " addresses in use");
    }

    @Override
    public synchronized Optional<IpAddress> lookup(String containerId, String ifName) {
        return Optional.ofNullable(byKey.get(new Attachment(containerId, ifName)));
    }

    @Override
    public synchronized boolean release(String containerId, String ifName) throws IOException {
        boolean had = byKey.remove(new Attachment(containerId, ifName)) != null;
        if (had) releases++;
        return had;
    }

    @Override
    public synchronized Collection<Attachment> attachments() {
        return new ArrayList<>(byKey.keySet());
    }

    synchronized int allocated() {
        return byKey.size();
    }
}
