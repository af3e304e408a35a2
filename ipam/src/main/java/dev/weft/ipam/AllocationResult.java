package dev.weft.ipam;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.proto.SpaceRequest;
import java.util.Optional;

/** The answer to {@link IpamNode#allocate}. */
public sealed interface AllocationResult {
    /**
     * The attachment's address, persisted before this is returned; {@code fresh} is false when the
     * attachment already had it (a repeated ADD).
     */
    record Allocated(IpAddress address, boolean fresh) implements AllocationResult {}

    /**
     * No free address on this node yet (CNI: "try again later", code 11). {@code request}, if
     * present, is a space request the agent should send to its donor now.
     */
    record NoSpaceYet(String reason, Optional<SpaceRequest> request) implements AllocationResult {}
}
