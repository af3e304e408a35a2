package dev.weft.k8s;

/** Annotation and label keys Weft writes on Kubernetes objects. Append only: deployed clusters carry them. */
public final class WeftKeys {
    private WeftKeys() {}

    /** Node annotation: the Weft peer id of the agent on that node (16 lower-case hex digits). */
    public static final String PEER_ID = "weft.dev/peer-id";
    /** Node annotation: the version of the Weft agent on that node. */
    public static final String VERSION = "weft.dev/version";
    /** Label on every object the agent creates, to find and clean them up. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    public static final String MANAGED_BY_VALUE = "weft";
    /** Label telling which lock an object is: {@code ring-bootstrap} or {@code reclaim}. */
    public static final String LOCK_KIND = "weft.dev/lock";
    /** Lease annotation: the dead peer whose ranges a reclaim lock guards. */
    public static final String DEAD_PEER = "weft.dev/dead-peer";
    /** Lease annotation: {@code claimed} while the holder is reclaiming, {@code done} once the ranges are taken. */
    public static final String RECLAIM_STATE = "weft.dev/reclaim-state";
    /** Lease annotation: the ranges the holder took over, comma separated. */
    public static final String RECLAIMED_RANGES = "weft.dev/reclaimed-ranges";
    /** Lease annotation: when the reclaim was completed (RFC 3339). */
    public static final String RECLAIMED_AT = "weft.dev/reclaimed-at";

    /** Node condition type set by network plugins; False means the pod network works on the node. */
    public static final String CONDITION_NETWORK_UNAVAILABLE = "NetworkUnavailable";

    public static final String REASON_UP = "WeftIsUp";

    /**
     * Whether {@code s} is a peer id as Weft writes it: exactly 16 lower-case hex digits, not all zero
     * ({@link dev.weft.id.PeerId#isCanonical}). Anything else read from a Node annotation or a Lease is ignored,
     * so a hand-edited annotation cannot name a peer Weft would never generate.
     */
    public static boolean isValidPeerId(String s) {
        return s != null && dev.weft.id.PeerId.isCanonical(s);
    }

    /** Throws a clear error for an unusable peer id. */
    public static String requirePeerId(String what, String s) {
        if (!isValidPeerId(s)) {
            throw new IllegalArgumentException(
                    what + " must be a peer id: 16 lower-case hex digits, not all zero, got '" + s + "'");
        }
        return s;
    }
}
