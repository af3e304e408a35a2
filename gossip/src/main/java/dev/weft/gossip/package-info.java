/** SWIM membership, state replication and the authenticated wire. Knows nothing of IPs or kernels. */
package dev.weft.gossip;
