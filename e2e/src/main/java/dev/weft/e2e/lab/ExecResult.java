package dev.weft.e2e.lab;

import java.util.List;

/** Outcome of a command run to completion. {@code exitCode} is -1 if it was killed for running too long. */
public record ExecResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** Returns this result if the command succeeded, else throws a {@link LabException} naming it. */
    public ExecResult orThrow() {
        if (!ok()) {
            throw new LabException(describeFailure());
        }
        return this;
    }

    public String describeFailure() {
        String why = timedOut ? "timed out" : "exit code " + exitCode;
        String err = stderr.isBlank() ? stdout.strip() : stderr.strip();
        return "command failed (" + why + "): " + String.join(" ", command) + (err.isEmpty() ? "" : ": " + err);
    }
}
