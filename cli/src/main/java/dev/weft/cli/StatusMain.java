package dev.weft.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code weft status [VIEW] [--socket PATH]} as its own small program ({@code weft-status.jar}, JDK only): bin/weft
 * runs it for the plain form of the command (see {@link StatusArgs}), so the JVM opens neither the 35 MB agent jar
 * nor picocli, Jackson or logging (issue 17: {@code weft status} was mostly start-up). Prints what the agent's
 * {@code weft status} prints, byte for byte, with the same exit codes: 0 ready, 1 reachable but not ready (or a
 * refusal), 2 bad usage, 3 unreachable.
 */
public final class StatusMain {
    private StatusMain() {}

    public static void main(String[] args) {
        int exit = run(args, System.getenv(), System.out, System.err);
        System.out.flush();
        System.err.flush();
        // halt, not exit: System.exit asks System.getLogger("java.lang.Runtime") whether to log the call, which
        // starts the JDK's logging (about 25 classes that are not in the AOT cache, a few ms); there are no shutdown
        // hooks to run and both streams are flushed.
        Runtime.getRuntime().halt(exit);
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        StatusTrace trace = StatusTrace.from(env);
        trace.mark("main");
        Optional<StatusArgs> a = StatusArgs.parse(args, env);
        if (a.isEmpty()) {
            err.println("weft-status: takes only 'status [VIEW] [--socket PATH]' (no config file); bin/weft runs the"
                    + " agent's full CLI for anything else: weft status --help");
            return 2;
        }
        int exit = show(a.get().view(), a.get().socket(), out, err, trace);
        trace.print(err);
        return exit;
    }

    /** Renders VIEW of the agent's report on {@code socket}. */
    static int show(String view, Path socket, PrintStream out, PrintStream err, StatusTrace trace) {
        if (!ReportFormat.isView(view)) {
            err.println(ReportFormat.unknownView(view));
            return 2;
        }
        try {
            Map<String, Object> r = StatusClient.report(socket, trace);
            out.print(ReportFormat.view(view, r));
            out.flush();
            trace.mark("rendered");
            return Boolean.TRUE.equals(r.get("ready")) ? StatusClient.EXIT_OK : StatusClient.EXIT_PROBLEM;
        } catch (StatusClient.Unreachable e) {
            err.println("weft status: " + e.getMessage());
            return StatusClient.EXIT_UNREACHABLE;
        } catch (StatusClient.Refused e) {
            err.println("weft status: the agent refused: " + e.getMessage());
            return StatusClient.EXIT_PROBLEM;
        }
    }
}
