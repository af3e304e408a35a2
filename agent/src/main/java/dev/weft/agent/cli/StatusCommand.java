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
        return show(view, socket);
    }

    /**
     * {@code weft status [VIEW] [--socket PATH]} without picocli: its classes are compiled for Java 5, so the JVM
     * can neither keep them in the CLI's AOT cache nor verify them quickly, and parsing the whole command tree cost
     * most of a status call (issue 17). Handles only that plain form with no config file (the socket then comes
     * from {@code --socket}, {@code WEFT_SOCKET} or the default, as through picocli); returns empty for anything
     * else (help, other options, a config file), which then goes through picocli as before.
     */
    public static java.util.OptionalInt fast(String[] args, Map<String, String> env) {
        if (args.length == 0 || !args[0].equals("status") || env.get("WEFT_CONFIG_FILE") != null) {
            return java.util.OptionalInt.empty();
        }
        String view = null;
        String sock = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket") && i + 1 < args.length && sock == null) {
                sock = args[++i];
            } else if (a.startsWith("--socket=") && sock == null) {
                sock = a.substring("--socket=".length());
            } else if (!a.startsWith("-") && view == null) {
                view = a;
            } else {
                return java.util.OptionalInt.empty();
            }
        }
        if (sock == null) sock = env.getOrDefault("WEFT_SOCKET", DEFAULT_SOCKET);
        if (sock.isEmpty()) return java.util.OptionalInt.empty();
        return java.util.OptionalInt.of(show(view == null ? "summary" : view, Path.of(sock)));
    }

    static final String DEFAULT_SOCKET = "/run/weft/weft.sock";

    static int show(String view, Path socket) {
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
