package dev.weft.ipam;

import dev.weft.ipam.addr.IpRange;
import java.util.List;

/** What {@link IpamNode#handleSpaceGrant} did with a donor's answer. */
public sealed interface GrantResult {
    /** The donor gave {@code granted}; the ring was updated as described by {@code update}. */
    record Granted(List<IpRange> granted, RingUpdate update) implements GrantResult {}

    /** The donor could not spare space; the agent retries later, probably with another donor. */
    record Refused(String reason) implements GrantResult {}

    /** The grant was not for this peer or this ring (counted, otherwise ignored). */
    record Ignored(String reason) implements GrantResult {}
}
