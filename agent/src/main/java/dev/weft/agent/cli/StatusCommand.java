package dev.weft.agent.cli;

import dev.weft.agent.api.AgentJson;
import dev.weft.cli.ReportFormat;
import dev.weft.cli.StatusArgs;
import dev.weft.cli.StatusTrace;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft status [peers|connections|ipam|routes]}: what this node's agent knows, as aligned tables. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show the local agent's view: summary, or one of peers, connections, ipam, routes.",
            "Exit code: 0 ready, 1 agent reachable but not ready, 3 agent unreachable."
        })
public final class StatusCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            arity = "0..1",
            defaultValue = "summary",
            paramLabel = "VIEW",
            description = "summary (default), peers, connections, ipam, routes")
    String view;

    @Option(
            names = "--socket",
            defaultValue = "${env:WEFT_SOCKET:-" + StatusArgs.DEFAULT_SOCKET + "}",
            description = "Agent API socket (env WEFT_SOCKET). Default: ${DEFAULT-VALUE}.")
    Path socket;

    @Override
    public Integer call() {
        return show(view, socket);
    }

    /**
     * {@code weft status [VIEW] [--socket PATH]} without picocli: its classes are compiled for Java 5, so the JVM
     * can neither keep them in the CLI's AOT cache nor verify them quickly, and parsing the whole command tree cost
     * most of a status call (issue 17). Handles only the plain form ({@link StatusArgs}); returns empty for anything
     * else (help, other options, a config file), which then goes through picocli as before. bin/weft runs the plain
     * form with the small weft-status.jar ({@code dev.weft.cli.StatusMain}) instead; this path serves
     * {@code java -jar weft-agent.jar status} and {@code WEFT_LIGHT_STATUS=false}.
     */
    public static java.util.OptionalInt fast(String[] args, Map<String, String> env) {
        StatusTrace trace = StatusTrace.from(env);
        trace.mark("main");
        java.util.Optional<StatusArgs> a = StatusArgs.parse(args, env);
        if (a.isEmpty()) return java.util.OptionalInt.empty();
        int exit = show(a.get().view(), a.get().socket(), trace);
        trace.print(System.err);
        return java.util.OptionalInt.of(exit);
    }

    static int show(String view, Path socket) {
        return show(view, socket, StatusTrace.OFF);
    }

    static int show(String view, Path socket, StatusTrace trace) {
        if (!ReportFormat.isView(view)) {
            System.err.println(ReportFormat.unknownView(view));
            return 2;
        }
        try {
            Map<String, Object> r =
                    ReportFormat.map(AgentClient.call(socket, AgentJson.obj("cmd", "report")), "report");
            trace.mark("answered");
            System.out.print(ReportFormat.view(view, r));
            System.out.flush();
            trace.mark("rendered");
            return Boolean.TRUE.equals(r.get("ready")) ? AgentClient.EXIT_OK : AgentClient.EXIT_PROBLEM;
        } catch (AgentClient.Unreachable e) {
            System.err.println("weft status: " + e.getMessage());
            return AgentClient.EXIT_UNREACHABLE;
        } catch (AgentClient.Refused e) {
            System.err.println("weft status: the agent refused: " + e.getMessage());
            return AgentClient.EXIT_PROBLEM;
        }
    }
}
