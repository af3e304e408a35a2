package dev.weft.gossip.swim;

import dev.weft.id.PeerId;
import java.net.InetSocketAddress;

/**
 * Immutable snapshot of one member.
 *
 * @param address          advertised gossip address; null for a tombstone learned without one
 * @param record           the member's owner-written record (a copy; empty if none)
 * @param lastHeardNanos   local monotonic time (the node's nanoTime source) of the last packet from it, or of its
 *                         first mention; compare with the same source
 * @param stateSinceNanos  local monotonic time it entered {@code state}
 */
public record MemberView(
        PeerId id,
        InetSocketAddress address,
        MemberState state,
        long incarnation,
        byte[] record,
        long lastHeardNanos,
        long stateSinceNanos) {
    @Override
    public String toString() {
        return "Member[id=" + id + ", address=" + address + ", state=" + state + ", incarnation=" + incarnation
                + ", record=" + record.length + "B]";
    }
}
