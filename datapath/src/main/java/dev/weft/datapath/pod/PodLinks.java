package dev.weft.datapath.pod;

import dev.weft.datapath.netlink.MacAddress;

/** What {@link PodPlumber#attach} created: both veth ends. */
public record PodLinks(String hostIfName, MacAddress hostMac, String podIfName, MacAddress podMac, int mtu) {}
