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

    private static final java.util.regex.Pattern PEER_ID_TEXT =
            java.util.regex.Pattern.compile("[0-9a-z]([-0-9a-z]{0,48}[0-9a-z])?");

    /**
     * Whether {@code s} can be used as a peer id in annotations and object names: 1 to 50 characters,
     * lower-case letters, digits and inner dashes. Weft writes its 64-bit peer ids as 16 lower-case hex digits.
     */
    public static boolean isValidPeerId(String s) {
        return s != null && PEER_ID_TEXT.matcher(s).matches();
    }

    /** Throws a clear error for an unusable peer id. */
    public static String requirePeerId(String what, String s) {
        if (!isValidPeerId(s)) {
            throw new IllegalArgumentException(what + " must be 1-50 lower-case letters, digits or inner dashes"
                    + " (Weft writes peer ids as 16 hex digits), got '" + s + "'");
        }
        return s;
    }
}
