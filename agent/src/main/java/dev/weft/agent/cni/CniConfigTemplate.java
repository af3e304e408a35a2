package dev.weft.agent.cni;

import dev.weft.agent.api.AgentJson;
import dev.weft.cni.CniVersions;
import dev.weft.cni.ShimProtocol;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The conflist to install on a node ({@code /etc/cni/net.d/10-weft.conflist}): the {@code weft} plugin,
 * followed by the reference {@code portmap} plugin with the {@code portMappings} capability (hostPort).
 * {@code weft cni-config} prints it; the DaemonSet's init step writes it.
 *
 * <p>Version: 1.0.0 by default, which every runtime since containerd 1.6 / CRI-O 1.24 and the reference
 * plugins since 1.0 accept. 1.1.0 adds STATUS and GC but needs a runtime (libcni 1.2+) and a portmap
 * that speak it.
 */
public final class CniConfigTemplate {

    public static final String DEFAULT_NAME = "weft";
    public static final String DEFAULT_VERSION = "1.0.0";
    public static final String FILE_NAME = "10-weft.conflist";

    private CniConfigTemplate() {}

    /**
     * @param cniVersion one of {@link CniVersions#SUPPORTED}
     * @param agentSocket the agent's CNI socket; left out of the file when it is the default
     * @param portmap whether to chain the reference portmap plugin
     */
    public static String conflist(String name, String cniVersion, Path agentSocket, boolean portmap) {
        if (!CniVersions.isSupported(cniVersion)) {
            throw new IllegalArgumentException("unsupported CNI version " + cniVersion + "; weft supports "
                    + String.join(", ", CniVersions.SUPPORTED));
        }
        List<Object> plugins = new ArrayList<>();
        Map<String, Object> weft = AgentJson.obj("type", "weft");
        if (agentSocket != null && !agentSocket.equals(Path.of(ShimProtocol.DEFAULT_SOCKET))) {
            weft.put(ShimProtocol.SOCKET_FIELD, agentSocket.toString());
        }
        plugins.add(weft);
        if (portmap) {
            plugins.add(AgentJson.obj(
                    "type", "portmap", "capabilities", AgentJson.obj("portMappings", true), "snat", true));
        }
        return AgentJson.writePretty(AgentJson.obj("cniVersion", cniVersion, "name", name, "plugins", plugins));
    }

    public static String defaultConflist() {
        return conflist(DEFAULT_NAME, DEFAULT_VERSION, null, true);
    }

    /**
     * Writes {@code text} as {@code confDir/10-weft.conflist} atomically (temporary file, fsync, rename), so a
     * runtime scanning the directory never reads half a file. Returns the path written.
     */
    public static Path install(Path confDir, String text) throws java.io.IOException {
        java.nio.file.Files.createDirectories(confDir);
        Path target = confDir.resolve(FILE_NAME);
        Path tmp = confDir.resolve("." + FILE_NAME + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
                tmp,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        java.nio.file.Files.move(
                tmp,
                target,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return target;
    }
}
