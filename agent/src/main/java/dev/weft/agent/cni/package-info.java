/**
 * The agent's CNI endpoint: {@link dev.weft.agent.cni.CniServer} (Unix socket, one framed request per
 * connection) and {@link dev.weft.agent.cni.CniHandler} (the CNI commands), on top of two narrow
 * interfaces the agent provides: {@link dev.weft.agent.cni.CniIpam} (the node allocator) and
 * {@link dev.weft.agent.cni.PodNetwork} (pod plumbing, {@link dev.weft.agent.cni.DatapathPodNetwork}).
 */
package dev.weft.agent.cni;
