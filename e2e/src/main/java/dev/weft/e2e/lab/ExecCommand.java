package dev.weft.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code weft lab exec <node> -- <cmd...>}: runs a command inside a node's namespace, interactively. */
@Command(
        name = "exec",
        mixinStandardHelpOptions = true,
        description = "Run a command inside a node namespace (n1, 2, ...) or the underlay ('underlay').")
final class ExecCommand implements Callable<Integer> {

    @ParentCommand
    LabMain parent;

    @Option(names = "--run", paramLabel = "RUN", description = "Lab run id (default: the only lab that is up).")
    String runId;

    @Parameters(index = "0", paramLabel = "NODE")
    String node;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Command and arguments (after --).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        Lab lab = LabCli.attach(parent.root(), runId);
        LabNamespace target = LabCli.namespace(lab, node);
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", target.namespace()));
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full).inheritIO();
        if (target instanceof LabNode n) forWeft(lab, n, pb);
        return pb.start().waitFor();
    }

    /**
     * {@code weft …} inside a node talks to that node's agent without flags: WEFT_SOCKET is its API socket (where
     * {@code weft lab demo/up --agents} put it, {@code <run dir>/<node>/agent/run/weft.sock}), and a {@code weft} not
     * on PATH is this checkout's {@code bin/weft}.
     */
    static void forWeft(Lab lab, LabNode n, ProcessBuilder pb) {
        Path socket = agentSocket(lab.runDir(), n.name());
        if (Files.exists(socket) && !pb.environment().containsKey("WEFT_SOCKET"))
            pb.environment().put("WEFT_SOCKET", socket.toString());
        List<String> cmd = pb.command();
        String home = System.getProperty("weft.home");
        if (cmd.size() > 4 && cmd.get(4).equals("weft") && home != null && !onPath("weft", pb.environment())) {
            Path launcher = Path.of(home, "bin", "weft");
            if (Files.isExecutable(launcher)) cmd.set(4, launcher.toString());
        }
    }

    /** A lab node's agent API socket (the layout {@code WeftCluster} gives every agent). */
    static Path agentSocket(Path runDir, String node) {
        return runDir.resolve(node).resolve("agent/run/weft.sock");
    }

    private static boolean onPath(String name, java.util.Map<String, String> env) {
        for (String dir : env.getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return true;
        }
        return false;
    }
}
