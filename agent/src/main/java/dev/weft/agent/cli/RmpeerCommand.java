package dev.weft.agent.cli;

import dev.weft.agent.api.AgentJson;
import dev.weft.cli.ReportFormat;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft rmpeer <peer>}: this node takes over the IP ranges of a peer that is gone for good. */
@Command(
        name = "rmpeer",
        mixinStandardHelpOptions = true,
        description = {
            "Reclaim the IP ranges of a peer that is gone for good (by peer id or nickname).",
            "Refused while the peer is alive or suspect in gossip: stop it first. Run it on ONE node only."
        })
public final class RmpeerCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PEER", description = "Peer id or nickname (see weft status ipam).")
    String peer;

    @Option(
            names = "--socket",
            defaultValue = "${env:WEFT_SOCKET:-/run/weft/weft.sock}",
            description = "Agent API socket (env WEFT_SOCKET). Default: ${DEFAULT-VALUE}.")
    Path socket;

    @Override
    public Integer call() {
        try {
            Map<String, Object> r = AgentClient.call(socket, AgentJson.obj("cmd", "rmpeer", "peer", peer));
            System.out.println(ReportFormat.str(r, "message"));
            return AgentClient.EXIT_OK;
        } catch (AgentClient.Unreachable e) {
            System.err.println("weft rmpeer: " + e.getMessage());
            return AgentClient.EXIT_UNREACHABLE;
        } catch (AgentClient.Refused e) {
            System.err.println("weft rmpeer: " + e.getMessage());
            return AgentClient.EXIT_PROBLEM;
        }
    }
}
