package dev.weft.agent.cni;

/** A failure plumbing a pod, typed so the CNI server can answer with the right error code. */
public final class PodNetworkException extends Exception {

    public enum Kind {
        INTERFACE_EXISTS,
        NETNS_NOT_FOUND,
        MISMATCH,
        KERNEL
    }

    private final Kind kind;

    public PodNetworkException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PodNetworkException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
