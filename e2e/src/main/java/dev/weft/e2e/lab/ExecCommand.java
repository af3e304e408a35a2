package dev.weft.e2e.lab;

import java.io.IOException;
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
        String ns = LabCli.namespace(lab, node).namespace();
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(command);
        return new ProcessBuilder(full).inheritIO().start().waitFor();
    }
}
