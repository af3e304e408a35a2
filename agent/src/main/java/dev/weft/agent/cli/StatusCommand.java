package dev.weft.agent.cli;

import dev.weft.agent.api.AgentJson;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
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
            defaultValue = "${env:WEFT_SOCKET:-/run/weft/weft.sock}",
            description = "Agent API socket (env WEFT_SOCKET). Default: ${DEFAULT-VALUE}.")
    Path socket;

    @Override
    public Integer call() {
        Function<Map<String, Object>, String> render = switch (view) {
            case "summary" -> ReportFormat::summary;
            case "peers" -> ReportFormat::peers;
            case "connections" -> ReportFormat::connections;
            case "ipam" -> ReportFormat::ipam;
            case "routes" -> ReportFormat::routes;
            default -> null;
        };
        if (render == null) {
            System.err.println(
                    "weft status: unknown view '" + view + "'; allowed: summary, peers, connections, ipam, routes");
            return 2;
        }
        try {
            Map<String, Object> r =
                    ReportFormat.map(AgentClient.call(socket, AgentJson.obj("cmd", "report")), "report");
            System.out.print(render.apply(r));
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
