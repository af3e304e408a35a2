package dev.weft.ipam.ring;

import java.util.Optional;

/**
 * A remote ring update changes something its sender has no authority over (see {@link RingAuthority}). Nothing of
 * it is applied. {@link #reason()} is a stable name for metrics and logs.
 */
public final class RingAuthorityException extends RingException {
    /** A new tombstone whose removed peer's entries are not version-jumped away in the same update. */
    public static final String TOMBSTONE_WITHOUT_RECLAIM = "tombstone_without_reclaim";
    /** A delta carrying a new tombstone that its sender did not make (only the reclaimer publishes one). */
    public static final String TOMBSTONE_NOT_FROM_RECLAIMER = "tombstone_not_from_reclaimer";
    /** An update that changes an entry this node owns, without a proven reclaim of this node. */
    public static final String OWN_ENTRY_CHANGED = "own_entry_changed";
    /** A delta that changes an entry owned by neither its sender nor a peer its sender reclaimed. */
    public static final String FOREIGN_ENTRY_CHANGED = "foreign_entry_changed";
    /** A new tombstone the caller's gate refused (Kubernetes: no reclaim Lease names that reclaimer). */
    public static final String TOMBSTONE_NOT_ADMITTED = "tombstone_not_admitted";

    private final String reason;
    private final Tombstone tombstone;

    public RingAuthorityException(String reason, String message, Tombstone tombstone) {
        super(message);
        this.reason = reason;
        this.tombstone = tombstone;
    }

    /** Stable name of the refused rule (one of the constants above, or a gate's own reason). */
    public String reason() {
        return reason;
    }

    /** The tombstone the refusal is about, if it is about one. */
    public Optional<Tombstone> tombstone() {
        return Optional.ofNullable(tombstone);
    }
}
