package dev.weft.agent.core;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.List;

/**
 * A live peer that offers the sleeve, with what the sleeve needs to reach it: its ranges of both families, and its
 * IPv6 VTEP address when it is dual-stack ({@code vtepV6}, else null).
 */
public record SleeveTarget(
        PeerId id,
        IpAddress underlay,
        IpAddress vtep,
        MacAddress mac,
        List<Cidr> cidrs,
        byte[] publicKey,
        IpAddress vtepV6) {
    public SleeveTarget {
        cidrs = List.copyOf(cidrs);
    }
}
