package dev.weft.datapath.pod;

/** Plumbing a pod failed; {@link #kind()} tells the CNI layer which error to report. */
public final class PodPlumbingException extends Exception {

    public enum Kind {
        /** The pod already has an interface of that name (ADD twice without DEL). */
        INTERFACE_EXISTS,
        /** The pod's network namespace does not exist (any more). */
        NETNS_NOT_FOUND,
        /** CHECK: something ADD made is missing or different; the message says what. */
        MISMATCH,
        /** The kernel refused a request; the message names it and the errno. */
        KERNEL
    }

    private final Kind kind;

    public PodPlumbingException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public PodPlumbingException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
