/** Kernel datapath: netlink over FFM, desired state, reconciler, backends. */
package dev.weft.datapath;
