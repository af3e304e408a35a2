package dev.weft.agent.core;

/** What the reclaim Lease of a removed peer says about a tombstone naming its reclaimer (Kubernetes mode). */
public enum ReclaimLeaseAnswer {
    /** The Lease exists for that removed peer and its holder is the tombstone's reclaimer. */
    NAMES_RECLAIMER,
    /** The Lease names another holder. */
    NAMES_OTHER,
    /** No Lease for that removed peer. */
    MISSING
}
