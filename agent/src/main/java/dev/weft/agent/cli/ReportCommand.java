package dev.weft.agent.cli;

import dev.weft.agent.api.AgentJson;
import dev.weft.cli.ReportFormat;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft report --json}: everything the agent knows, machine-readable with stable field names. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Print the agent's full report (JSON, stable field names; see README 'Report fields').")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--json", description = "JSON output (the only format; accepted for compatibility with scripts).")
    boolean json;

    @Option(
            names = "--socket",
            defaultValue = "${env:WEFT_SOCKET:-/run/weft/weft.sock}",
            description = "Agent API socket (env WEFT_SOCKET). Default: ${DEFAULT-VALUE}.")
    Path socket;

    @Override
    public Integer call() {
        try {
            Map<String, Object> r =
                    ReportFormat.map(AgentClient.call(socket, AgentJson.obj("cmd", "report")), "report");
            System.out.println(AgentJson.write(r));
            return AgentClient.EXIT_OK;
        } catch (AgentClient.Unreachable e) {
            System.err.println("weft report: " + e.getMessage());
            return AgentClient.EXIT_UNREACHABLE;
        } catch (AgentClient.Refused e) {
            System.err.println("weft report: the agent refused: " + e.getMessage());
            return AgentClient.EXIT_PROBLEM;
        }
    }
}
