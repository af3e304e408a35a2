/**
 * Pod plumbing for CNI ADD/DEL/CHECK over the netlink client: {@link dev.weft.datapath.pod.PodPlumber}.
 * Routing model (DESIGN §5): pod {@code IP/32}, link-local gateway with a permanent neighbour entry, a
 * {@code /32} route per pod on the node; no bridge.
 */
package dev.weft.datapath.pod;
