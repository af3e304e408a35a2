package dev.weft.e2e.lab;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of {@code weft lab ...}: a namespace lab on this machine (see {@link Lab}).
 * Subcommands live in their own classes; add new ones to {@code subcommands} below.
 */
@Command(
        name = "weft lab",
        mixinStandardHelpOptions = true,
        description = "A small Weft cluster on one machine, made of network namespaces (needs root).",
        subcommands = {
            UpCommand.class,
            StatusCommand.class,
            DownCommand.class,
            ExecCommand.class,
            FaultCommand.class,
            dev.weft.e2e.cluster.DemoCommand.class
        },
        footer = {"", "Exit codes: 0 ok, 1 the lab operation failed, 2 bad usage."})
public final class LabMain implements Callable<Integer> {

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Directory of run state and logs (default: $" + Lab.ROOT_ENV + " or /tmp/weft-lab).")
    Path root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    Path root() {
        return root != null ? root : Lab.defaultRoot();
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests to run the CLI in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LabMain());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof LabException || e instanceof IllegalArgumentException) {
                cmd.getErr().println("weft lab: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }
}
