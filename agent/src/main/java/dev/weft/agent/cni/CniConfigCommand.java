package dev.weft.agent.cni;

import dev.weft.cni.ShimProtocol;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft cni-config}: prints the conflist to install (weft, then portmap), or writes it with
 * {@code --write}. Option names match the agent's ({@code --run-dir}, {@code --cni-conf-dir}) so the same
 * environment variables and config file apply.
 */
@Command(
        name = "cni-config",
        mixinStandardHelpOptions = true,
        description = "Print the CNI conflist for this node (weft followed by portmap), or write it with --write.")
public final class CniConfigCommand implements Callable<Integer> {

    @Option(
            names = "--run-dir",
            defaultValue = "/run/weft",
            description = "The agent's runtime dir (cni.sock is there). Default: ${DEFAULT-VALUE}.")
    Path runDir;

    @Option(
            names = "--cni-conf-dir",
            defaultValue = "/etc/cni/net.d",
            description = "Where --write puts the conflist. Default: ${DEFAULT-VALUE}.")
    Path confDir;

    @Option(
            names = "--cni-version",
            defaultValue = CniConfigTemplate.DEFAULT_VERSION,
            description =
                    "cniVersion of the conflist (0.3.0 .. 1.1.0; STATUS and GC need 1.1.0 and a runtime that speaks it). Default: ${DEFAULT-VALUE}.")
    String cniVersion;

    @Option(
            names = "--network-name",
            defaultValue = CniConfigTemplate.DEFAULT_NAME,
            description = "Network name. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--no-portmap", description = "Leave out the portmap plugin (no hostPort support).")
    boolean noPortmap;

    @Option(
            names = "--write",
            description = "Write <cni-conf-dir>/" + CniConfigTemplate.FILE_NAME + " atomically instead of printing.")
    boolean write;

    @Override
    public Integer call() {
        Path socket = runDir.resolve(Path.of(ShimProtocol.DEFAULT_SOCKET).getFileName());
        String text;
        try {
            text = CniConfigTemplate.conflist(name, cniVersion, socket, !noPortmap);
        } catch (IllegalArgumentException e) {
            System.err.println("weft cni-config: " + e.getMessage());
            return 2;
        }
        if (!write) {
            System.out.print(text);
            return 0;
        }
        try {
            Path p = CniConfigTemplate.install(confDir, text);
            System.out.println("wrote " + p);
            return 0;
        } catch (IOException e) {
            System.err.println("weft cni-config: cannot write " + confDir.resolve(CniConfigTemplate.FILE_NAME) + ": "
                    + e.getMessage() + " (run as root, or check that the directory is writable)");
            return 1;
        }
    }
}
