/** Kubernetes integration: discovery, bootstrap and reclaim locks, node status. */
package dev.weft.k8s;
