package dev.weft.cni;

/**
 * Versions and constants of the shim-agent protocol (see {@code weft_cni.proto} for the wire layout,
 * {@link ShimWire} for the plugin's codec and {@link ProtoMessages} for the agent's). JDK only.
 */
public final class ShimProtocol {
    /** The version this build speaks. */
    public static final int VERSION = 1;
    /** Oldest request version the agent accepts. */
    public static final int MIN_VERSION = 1;
    /** Newest request version the agent accepts. */
    public static final int MAX_VERSION = 1;

    /** Default socket of the agent's CNI server (DESIGN §9). */
    public static final String DEFAULT_SOCKET = "/run/weft/cni.sock";
    /** The network-config field that overrides the socket path. */
    public static final String SOCKET_FIELD = "agentSocket";
    /** The network-config field that overrides how long the plugin waits for the agent's answer. */
    public static final String TIMEOUT_FIELD = "agentTimeoutSeconds";

    public static final int DEFAULT_TIMEOUT_SECONDS = 60;

    private ShimProtocol() {}

    public static boolean accepts(int version) {
        return version >= MIN_VERSION && version <= MAX_VERSION;
    }
}
