package dev.weft.e2e.lab;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code weft lab down}: removes labs made by {@code up} and leftovers of crashed runs. */
@Command(
        name = "down",
        mixinStandardHelpOptions = true,
        description = {
            "Remove lab runs: their processes, namespaces and state (logs stay).",
            "Without RUN ids: every run except those of tests still running (use --all for those too)."
        })
final class DownCommand implements Callable<Integer> {

    @ParentCommand
    LabMain parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--all", description = "Also remove runs whose test JVM is still running.")
    boolean all;

    @Parameters(paramLabel = "RUN", arity = "0..*", description = "Only these run ids (wftlab + 6 hex digits).")
    List<String> runIds = List.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String id : runIds) {
            if (!LabNames.isRunId(id)) {
                throw new IllegalArgumentException("not a lab run id: '" + id + "' (expected " + LabNames.PREFIX
                        + " + 6 hex digits; see 'weft lab status')");
            }
        }
        LabCleaner.DownResult r =
                new LabCleaner(parent.root()).down(all, id -> runIds.isEmpty() || runIds.contains(id));
        r.removed().forEach(id -> out.println("removed " + id));
        r.skippedInUse().forEach(id -> out.println("kept " + id + ": a test JVM is still using it (--all removes it)"));
        if (r.removed().isEmpty() && r.skippedInUse().isEmpty()) {
            out.println("nothing to remove");
        }
        out.flush();
        return 0;
    }
}
