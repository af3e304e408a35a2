package dev.weft.datapath;

/** How packets reach a peer. */
public enum DatapathMode {
    /** Kernel VXLAN: neighbour + FDB entry + onlink routes via the peer's VTEP. */
    VXLAN,
    /** Plain routes via the peer's underlay address (same L2 segment, direct routing enabled). */
    HOST_GW,
    /** Userspace fallback: routes to the sleeve TUN device (see {@link DatapathConfig#sleeveDevice()}). */
    SLEEVE
}
