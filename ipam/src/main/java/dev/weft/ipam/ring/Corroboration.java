package dev.weft.ipam.ring;

import dev.weft.ipam.addr.IpAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ring changes seen in full states whose sender is not their author, waiting for a second, distinct sender to show
 * the identical change (see {@link FullStateTrust}). A claim is a ring entry (token, owner, version) or a tombstone
 * (removed peer, reclaimer); for each, the first two distinct senders that presented it are kept.
 *
 * <p>Bounded: at most {@link #capacity()} claims, the oldest evicted first. A claim is dropped once the local ring
 * has it or something newer at its token ({@link #prune}). Pure: no clock, single-threaded (the IPAM node's).
 */
public final class Corroboration {
    /** Default number of claims kept: several times the entries of any realistic ring. */
    public static final int DEFAULT_CAPACITY = 16_384;

    /** What a full state claims: an entry or a tombstone. */
    sealed interface Claim permits EntryClaim, TombstoneClaim {}

    record EntryClaim(IpAddress token, long owner, long version) implements Claim {}

    record TombstoneClaim(long removed, long reclaimer) implements Claim {}

    private final int capacity;
    private final LinkedHashMap<Claim, long[]> pending = new LinkedHashMap<>();
    private long evicted;

    public Corroboration() {
        this(DEFAULT_CAPACITY);
    }

    public Corroboration(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * {@code sender} presents {@code claim}. Returns true once at least two distinct senders have presented it (this
     * one included); the claim is kept until {@link #prune} sees it applied, so a merge that fails later finds it
     * corroborated again.
     */
    boolean present(Claim claim, long sender) {
        if (sender == 0) {
            return false; // an unknown sender proves nothing
        }
        long[] by = pending.get(claim);
        if (by == null) {
            if (pending.size() >= capacity) {
                Iterator<Claim> oldest = pending.keySet().iterator();
                oldest.next();
                oldest.remove();
                evicted++;
            }
            pending.put(claim, new long[] {sender, 0});
            return false;
        }
        if (by[0] == sender) {
            return by[1] != 0;
        }
        if (by[1] == 0) {
            by[1] = sender;
        }
        return true;
    }

    /** Drops the claims {@code ring} already has (or has superseded): the entry at their token is as new or newer. */
    public void prune(Ring ring) {
        RingEntry[] es = ring.entryArray();
        for (Iterator<Map.Entry<Claim, long[]>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Claim c = it.next().getKey();
            boolean done = switch (c) {
                case EntryClaim e -> {
                    int i = ring.indexOf(e.token());
                    yield i < 0 || (es[i].token().equals(e.token()) && es[i].version() >= e.version());
                }
                case TombstoneClaim t -> ring.isRemoved(t.removed());
            };
            if (done) {
                it.remove();
            }
        }
    }

    /** Claims waiting for a second sender. */
    public int size() {
        return pending.size();
    }

    public int capacity() {
        return capacity;
    }

    /** Claims evicted because the tracker was full (a flood of unproven claims delays, never forges, a change). */
    public long evicted() {
        return evicted;
    }
}
