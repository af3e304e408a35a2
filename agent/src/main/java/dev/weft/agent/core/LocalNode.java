package dev.weft.agent.core;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import java.util.Objects;

/**
 * The facts about this node the controller starts with (found by the runtime before it runs): identity, underlay
 * and the persisted VTEP MAC. {@code underlaySubnet} is the underlay interface's subnet: peers inside it share our
 * L2 segment and may use plain routes.
 */
public record LocalNode(
        PeerId id,
        String nickname,
        long incarnation,
        IpAddress underlayAddress,
        String underlayInterface,
        int underlayMtu,
        Cidr underlaySubnet,
        MacAddress vtepMac) {
    public LocalNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(underlayAddress, "underlayAddress");
        Objects.requireNonNull(underlaySubnet, "underlaySubnet");
        Objects.requireNonNull(vtepMac, "vtepMac");
    }
}
