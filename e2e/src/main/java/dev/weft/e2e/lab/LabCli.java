package dev.weft.e2e.lab;

import java.nio.file.Path;
import java.util.List;

/** Helpers shared by the {@code weft lab} subcommands. */
final class LabCli {
    private LabCli() {}

    /**
     * The lab a command acts on: {@code runId} if given, else the only lab made by {@code weft lab up}
     * that still exists; a clear error if there is none or more than one.
     */
    static Lab attach(Path root, String runId) {
        if (runId != null) {
            return Lab.attach(root, runId);
        }
        List<LabCleaner.RunInfo> up = new LabCleaner(root)
                .runs().stream()
                        .filter(r ->
                                r.persistent().orElse(false) && !r.namespaces().isEmpty())
                        .toList();
        if (up.isEmpty()) {
            throw new LabException("no lab is up (start one with 'weft lab up')");
        }
        if (up.size() > 1) {
            throw new LabException("several labs are up: "
                    + up.stream().map(LabCleaner.RunInfo::runId).toList() + "; choose one with --run");
        }
        return Lab.attach(root, up.getFirst().runId());
    }

    /** A node, or the underlay namespace for {@code u}/{@code underlay}. */
    static LabNamespace namespace(Lab lab, String ref) {
        if (ref.equals("u") || ref.equals("underlay") || ref.equals(lab.underlayNamespace())) {
            return lab.underlay();
        }
        return lab.node(ref);
    }
}
