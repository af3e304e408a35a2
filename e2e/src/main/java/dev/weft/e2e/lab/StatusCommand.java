package dev.weft.e2e.lab;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code weft lab status}: every lab run on this machine, its namespaces, processes and faults. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "List lab runs (also leftovers of crashed ones), their namespaces, processes and faults.")
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    LabMain parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<LabCleaner.RunInfo> runs = new LabCleaner(parent.root()).runs();
        if (runs.isEmpty()) {
            out.println("no lab runs (start one with 'weft lab up')");
            return 0;
        }
        for (LabCleaner.RunInfo r : runs) {
            String kind = r.persistent()
                    .map(p -> p
                            ? "made by 'weft lab up'"
                            : (r.ownerAlive() ? "in use by a running test" : "leftover of a crashed test"))
                    .orElse("leftover without state file");
            out.printf(
                    "%s  %s  namespaces=%d%n", r.runId(), kind, r.namespaces().size());
            for (String ns : r.namespaces()) {
                String faults = "";
                if (r.hasStateFile() && ns.matches(".*-n\\d+")) {
                    try {
                        Lab lab = Lab.attach(parent.root(), r.runId());
                        List<String> f = lab.node(ns).activeFaults();
                        faults = f.isEmpty() ? "" : "  faults=" + String.join(",", f);
                    } catch (RuntimeException e) {
                        faults = "  faults=? (" + e.getMessage() + ")";
                    }
                }
                out.printf("  %s%s%n", ns, faults);
            }
            for (String p : r.liveProcesses()) {
                out.printf("  process %s%n", p);
            }
        }
        out.flush();
        return 0;
    }
}
