package dev.weft.agent.cli;

import dev.weft.agent.Main;
import dev.weft.agent.api.AgentJson;
import dev.weft.agent.api.LocalApi;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run from which the build records the CLI's AOT cache ({@code weft-cli.aot}, JDK 25 JEP 483/514):
 * {@code weft status} (every view), {@code weft version} and the unreachable-agent path, against a throw-away
 * local API socket that answers a small report. The cache holds these classes loaded and linked, so a CLI run
 * starts without parsing them again (issue 17: {@code weft status} was mostly JVM start-up). Not used at run time.
 */
public final class CliAotTraining {
    private CliAotTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("serve")) {
            serve(Path.of(args[1]));
            return;
        }
        Path dir = Files.createTempDirectory("weft-cli-aot");
        Path sock = dir.resolve("weft.sock");
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try (LocalApi api = new LocalApi(
                sock,
                r -> AgentJson.obj("report", report()),
                Thread.ofPlatform().daemon().factory())) {
            System.setOut(sink);
            System.setErr(sink);
            for (int round = 0; round < 5; round++) {
                for (String view : List.of("summary", "peers", "connections", "ipam", "routes")) {
                    Main.run("status", view, "--socket", sock.toString());
                }
                Main.run("status", "--socket", dir.resolve("absent.sock").toString());
                Main.run("version");
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    /**
     * {@code serve SOCKET}: answers the training report on {@code SOCKET} until stdin closes (the footprint
     * benchmark times {@code weft status} against it, so the CLI's own cost is measured without a whole agent).
     */
    static void serve(Path sock) throws Exception {
        try (LocalApi api = new LocalApi(
                sock,
                r -> AgentJson.obj("report", report()),
                Thread.ofPlatform().daemon().factory())) {
            System.out.println("serving " + sock);
            System.out.flush();
            System.in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static Map<String, Object> report() {
        Map<String, Object> peer = AgentJson.obj(
                "nickname", "node-1", "id", "0a0b0c0d0e0f1011", "incarnation", 1, "address", "192.0.2.11");
        return AgentJson.obj(
                "version",
                "training",
                "ready",
                true,
                "peer",
                peer,
                "cluster",
                AgentJson.obj("name", "weft", "range", "198.18.0.0/16", "blockSize", 26),
                "encryption",
                AgentJson.obj("enabled", true, "required", true, "podTraffic", false),
                "ipam",
                AgentJson.obj("owned", 64, "allocated", 3, "range", "198.18.0.0/16", "status", "ok"),
                "datapath",
                AgentJson.obj("mode", "vxlan", "mtu", 1450),
                "peers",
                List.of(AgentJson.obj("id", "0a0b0c0d0e0f1012", "nickname", "node-2", "state", "alive")),
                "readinessProblems",
                List.of());
    }
}
