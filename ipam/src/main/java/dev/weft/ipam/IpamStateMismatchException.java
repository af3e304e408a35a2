package dev.weft.ipam;

import java.io.IOException;

/**
 * The persisted IPAM state does not fit this agent (another peer id, another cluster range or block
 * size, allocations outside owned ranges). The agent stops: using it could duplicate addresses.
 */
public final class IpamStateMismatchException extends IOException {
    public IpamStateMismatchException(String message) {
        super(message);
    }
}
