package dev.weft.cni;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.cni.proto.CniRequest;
import dev.weft.cni.proto.CniResponse;
import java.nio.charset.StandardCharsets;

/**
 * Versions and helpers of the shim-agent protocol (see {@code weft_cni.proto} for the wire layout).
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

    public static CniResponse response(int exitCode, String stdout, String stderr) {
        return CniResponse.newBuilder()
                .setProtocolVersion(VERSION)
                .setExitCode(exitCode)
                .setStdout(ByteString.copyFrom(stdout == null ? "" : stdout, StandardCharsets.UTF_8))
                .setStderr(stderr == null ? "" : stderr)
                .build();
    }

    public static CniResponse errorResponse(CniError error, String cniVersion) {
        return response(error.exitStatus(), error.toJson(cniVersion), "");
    }

    public static CniRequest parseRequest(byte[] frame) throws InvalidProtocolBufferException {
        return CniRequest.parseFrom(frame);
    }

    public static CniResponse parseResponse(byte[] frame) throws InvalidProtocolBufferException {
        return CniResponse.parseFrom(frame);
    }
}
