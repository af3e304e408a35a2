package dev.weft.ipam;

import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import java.util.Map;

/** Allocations released by {@link IpamNode#gc} because their attachment was not in the valid list. */
public record GcResult(Map<AttachmentKey, IpAddress> released) {
    public GcResult {
        released = Map.copyOf(released);
    }
}
