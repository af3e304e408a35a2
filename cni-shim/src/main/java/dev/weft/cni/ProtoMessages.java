package dev.weft.cni;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.weft.cni.proto.CniRequest;
import dev.weft.cni.proto.CniResponse;
import java.nio.charset.StandardCharsets;

/**
 * The protocol's messages as generated protobuf classes, for the agent side. The plugin itself never
 * loads this class (nor the protobuf runtime): it uses {@link ShimWire}, and the plugin jar leaves both out.
 */
public final class ProtoMessages {
    private ProtoMessages() {}

    public static CniRequest toProto(CniInvocation inv) {
        CniRequest.Builder b = CniRequest.newBuilder().setProtocolVersion(ShimProtocol.VERSION);
        if (inv.command() != null) b.setCommand(inv.command());
        if (inv.containerId() != null) b.setContainerId(inv.containerId());
        if (inv.netns() != null) b.setNetns(inv.netns());
        if (inv.ifName() != null) b.setIfName(inv.ifName());
        if (inv.args() != null) b.setArgs(inv.args());
        if (inv.path() != null) b.setPath(inv.path());
        b.setStdin(ByteString.copyFrom(inv.stdin()));
        return b.build();
    }

    public static CniInvocation fromProto(CniRequest r) {
        return new CniInvocation(
                r.hasCommand() ? r.getCommand() : null,
                r.hasContainerId() ? r.getContainerId() : null,
                r.hasNetns() ? r.getNetns() : null,
                r.hasIfName() ? r.getIfName() : null,
                r.hasArgs() ? r.getArgs() : null,
                r.hasPath() ? r.getPath() : null,
                r.getStdin().toByteArray());
    }

    public static CniResponse response(int exitCode, String stdout, String stderr) {
        return CniResponse.newBuilder()
                .setProtocolVersion(ShimProtocol.VERSION)
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
