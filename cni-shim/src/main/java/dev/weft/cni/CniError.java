package dev.weft.cni;

import java.util.Map;

/**
 * A CNI error result: printed as JSON on stdout with a non-zero exit status.
 *
 * <p>Well-known codes of CNI spec 1.1.0 are constants here; 100 and above are Weft's own.
 * {@code msg} is the short what-failed line, {@code details} says why and what to check.
 */
public record CniError(int code, String msg, String details) {

    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int UNSUPPORTED_FIELD = 2;
    public static final int UNKNOWN_CONTAINER = 3;
    public static final int INVALID_ENV = 4;
    public static final int IO_FAILURE = 5;
    public static final int DECODE_FAILURE = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    public static final int PLUGIN_NOT_AVAILABLE = 50;
    public static final int LIMITED_CONNECTIVITY = 51;
    /** Weft: the interface CNI_IFNAME already exists in the container (ADD without DEL). */
    public static final int INTERFACE_EXISTS = 100;
    /** Weft: shim and agent speak no common protocol version (plugin and agent from different releases). */
    public static final int PROTOCOL_MISMATCH = 101;
    /** Weft: CHECK found the container's network different from what ADD set up. */
    public static final int CHECK_FAILED = 102;
    /** Weft: the kernel refused a change (netlink error) while plumbing the pod. */
    public static final int KERNEL_ERROR = 103;
    /** Weft: an unexpected internal failure in the agent. */
    public static final int INTERNAL = 199;

    public CniError {
        if (code <= 0) throw new IllegalArgumentException("CNI error code must be positive: " + code);
        msg = msg == null ? "" : msg;
    }

    public static CniError of(int code, String msg) {
        return new CniError(code, msg, null);
    }

    /** The error JSON for the given result version (the config's cniVersion, or the newest if unknown). */
    public String toJson(String cniVersion) {
        Map<String, Object> m = Json.obj(
                "cniVersion",
                cniVersion == null || cniVersion.isEmpty() ? CniVersions.LATEST : cniVersion,
                "code",
                code,
                "msg",
                msg,
                "details",
                details == null || details.isEmpty() ? null : details);
        return Json.write(m);
    }

    /** Exit status for this error. Plugins exit non-zero on error; Weft uses 1 (the runtime reads the code from stdout). */
    public int exitStatus() {
        return 1;
    }

    @Override
    public String toString() {
        return "CNI error " + code + ": " + msg + (details == null ? "" : " (" + details + ")");
    }
}
