package dev.weft.datapath;

/** Kinds of kernel entries the reconciler manages (stable names for metrics). */
public enum EntryKind {
    DEVICE,
    ADDRESS,
    ROUTE,
    NEIGHBOUR,
    FDB
}
