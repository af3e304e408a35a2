package dev.weft.ipam.ring;

import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpRange;

/**
 * A received ring would give away a range this peer owns and still has addresses allocated in.
 * The remote ring is not applied (applying it would let another peer hand out addresses in use).
 */
public final class RangeTakeoverRefusedException extends RingException {
    private final IpRange range;
    private final PeerId self;
    private final PeerId newOwner;
    private final boolean selfRemoved;

    public RangeTakeoverRefusedException(IpRange range, PeerId self, PeerId newOwner, boolean selfRemoved) {
        super("refusing remote ring: it gives range="
                + range
                + " of peer="
                + self
                + " to peer="
                + newOwner
                + " while addresses in it are allocated here"
                + (selfRemoved
                        ? " (this peer was removed with rmpeer while still running: delete the pods on"
                                + " this node, then restart the agent so it rejoins with a new identity)"
                        : " (a peer took a range it did not own: check for a stale or duplicated node)"));
        this.range = range;
        this.self = self;
        this.newOwner = newOwner;
        this.selfRemoved = selfRemoved;
    }

    public IpRange range() {
        return range;
    }

    public PeerId self() {
        return self;
    }

    public PeerId newOwner() {
        return newOwner;
    }

    /** True if the remote ring says this peer was removed (reclaimed). */
    public boolean selfRemoved() {
        return selfRemoved;
    }
}
