package dev.weft.ipam.alloc;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import java.math.BigInteger;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The addresses of one node: which (container, interface) holds which address, plus the node's
 * reserved gateway/VTEP address and addresses never handed out (the cluster range's first and
 * last). Pure bookkeeping: it does not know which ranges the node owns; callers pass them in.
 * Single-threaded, mutable; {@link #copy()} gives a snapshot for roll-back.
 */
public final class Allocations {
    private final Map<AttachmentKey, IpAddress> byKey;
    private final NavigableMap<IpAddress, AttachmentKey> byAddress;
    private final Set<IpAddress> excluded;
    private IpAddress gateway;
    private IpAddress cursor;

    /**
     * @param excluded addresses never handed out (e.g. the cluster range's network and broadcast)
     */
    public Allocations(Set<IpAddress> excluded) {
        this.byKey = new HashMap<>();
        this.byAddress = new TreeMap<>();
        this.excluded = Set.copyOf(excluded);
    }

    private Allocations(Allocations o) {
        this.byKey = new HashMap<>(o.byKey);
        this.byAddress = new TreeMap<>(o.byAddress);
        this.excluded = o.excluded;
        this.gateway = o.gateway;
        this.cursor = o.cursor;
    }

    public Allocations copy() {
        return new Allocations(this);
    }

    /** Restores an allocation read from disk. @throws IllegalStateException on a duplicate address */
    public void restore(AttachmentKey key, IpAddress address) {
        if (byAddress.containsKey(address) || address.equals(gateway) || byKey.containsKey(key)) {
            throw new IllegalStateException("duplicate allocation in persisted state: " + key + " -> " + address);
        }
        byKey.put(key, address);
        byAddress.put(address, key);
    }

    public Optional<IpAddress> lookup(AttachmentKey key) {
        return Optional.ofNullable(byKey.get(key));
    }

    public Optional<AttachmentKey> holderOf(IpAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    /** Every allocation, ordered by address. */
    public Map<IpAddress, AttachmentKey> byAddress() {
        return Collections.unmodifiableNavigableMap(byAddress);
    }

    public Map<AttachmentKey, IpAddress> byKey() {
        return Collections.unmodifiableMap(byKey);
    }

    public int count() {
        return byKey.size();
    }

    public Optional<IpAddress> gateway() {
        return Optional.ofNullable(gateway);
    }

    public void setGateway(IpAddress address) {
        if (address != null && byAddress.containsKey(address)) {
            throw new IllegalStateException("gateway " + address + " is allocated to " + byAddress.get(address));
        }
        this.gateway = address;
    }

    /** True if {@code a} is allocated, the gateway or excluded. */
    public boolean isTaken(IpAddress a) {
        return byAddress.containsKey(a) || a.equals(gateway) || excluded.contains(a);
    }

    /** True if any address of {@code r} is allocated or the gateway (excluded addresses don't count). */
    public boolean inUse(IpRange r) {
        if (r.isEmpty()) {
            return false;
        }
        if (gateway != null && r.contains(gateway)) {
            return true;
        }
        IpAddress first = byAddress.ceilingKey(r.start());
        return first != null && r.contains(first);
    }

    /** True if a pod (not the gateway) holds an address in {@code r}. */
    public boolean hasAllocationIn(IpRange r) {
        if (r.isEmpty()) {
            return false;
        }
        IpAddress first = byAddress.ceilingKey(r.start());
        return first != null && r.contains(first);
    }

    /** Free (not taken) addresses in {@code r}, saturating. */
    public long freeIn(IpRange r) {
        if (r.isEmpty()) {
            return 0;
        }
        long taken = 0;
        IpAddress last = r.last();
        taken += byAddress.subMap(r.start(), true, last, true).size();
        if (gateway != null && r.contains(gateway)) {
            taken++;
        }
        for (IpAddress x : excluded) {
            if (r.contains(x) && !byAddress.containsKey(x) && !x.equals(gateway)) {
                taken++;
            }
        }
        BigInteger size = r.size();
        long s = size.bitLength() > 63 ? Long.MAX_VALUE : size.longValue();
        return s == Long.MAX_VALUE ? s : s - taken;
    }

    /**
     * Picks a free address in {@code owned} (sorted, disjoint): the first free one after the last
     * address handed out, wrapping around, so a just-released address is not reused at once.
     */
    public Optional<IpAddress> pickFree(List<IpRange> owned) {
        int from = 0;
        if (cursor != null) {
            BigInteger c = cursor.toBigInteger();
            from = owned.size();
            for (int i = 0; i < owned.size(); i++) {
                if (owned.get(i).endValue().compareTo(c) > 0
                        && owned.get(i).start().sameFamily(cursor)) {
                    from = i;
                    break;
                }
            }
        }
        // first pass: from the cursor to the end; second pass: from the beginning (covers the rest)
        for (int i = from; i < owned.size(); i++) {
            IpRange r = owned.get(i);
            if (cursor != null && r.contains(cursor)) {
                BigInteger next = cursor.toBigInteger().add(BigInteger.ONE);
                if (next.compareTo(r.endValue()) >= 0) {
                    continue;
                }
                r = IpRange.ofSize(cursor.next(), r.endValue().subtract(next));
            }
            Optional<IpAddress> hit = firstFree(r);
            if (hit.isPresent()) {
                return hit;
            }
        }
        for (int i = 0; i < Math.min(from + 1, owned.size()); i++) {
            Optional<IpAddress> hit = firstFree(owned.get(i));
            if (hit.isPresent()) {
                return hit;
            }
        }
        return Optional.empty();
    }

    private Optional<IpAddress> firstFree(IpRange r) {
        if (r.isEmpty()) {
            return Optional.empty();
        }
        IpAddress a = r.start();
        IpAddress last = r.last();
        while (true) {
            if (!isTaken(a)) {
                return Optional.of(a);
            }
            if (a.equals(last)) {
                return Optional.empty();
            }
            a = a.next();
        }
    }

    /** Records {@code key -> address}. The caller checked that the address is free and owned. */
    public void put(AttachmentKey key, IpAddress address) {
        if (isTaken(address)) {
            throw new IllegalStateException("address " + address + " is already taken");
        }
        if (byKey.containsKey(key)) {
            throw new IllegalStateException(key + " already holds " + byKey.get(key));
        }
        byKey.put(key, address);
        byAddress.put(address, key);
        cursor = address;
    }

    /** Removes the allocation of {@code key}; returns its address if it had one. */
    public Optional<IpAddress> remove(AttachmentKey key) {
        IpAddress a = byKey.remove(key);
        if (a != null) {
            byAddress.remove(a);
        }
        return Optional.ofNullable(a);
    }
}
