package dev.weft.cli;

import dev.weft.cni.FramedChannel;
import dev.weft.cni.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run from which the build records {@code weft-status.aot} (JDK 25 AOT cache): every view of
 * {@code weft status}, an unknown view and an absent socket, against a throw-away socket in this JVM that answers a
 * small report the way the agent's local API does. Not used at run time.
 */
public final class StatusTraining {
    private StatusTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("weft-status-aot");
        Path sock = dir.resolve("weft.sock");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        byte[] answer = Json.write(Json.obj("ok", true, "report", report())).getBytes(StandardCharsets.UTF_8);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread t = new Thread(() -> serve(server, answer), "weft-status-training");
            t.setDaemon(true);
            t.start();
            Map<String, String> env = System.getenv(); // as StatusMain.main reads it: its classes into the cache
            for (int round = 0; round < 5; round++) {
                for (String view : List.of("summary", "peers", "connections", "ipam", "routes")) {
                    check(StatusMain.run(
                            new String[] {"status", view, "--socket", sock.toString()}, Map.of(), sink, sink));
                }
                StatusMain.run(new String[] {"status", "--socket=" + dir.resolve("absent.sock")}, Map.of(), sink, sink);
                StatusMain.run(new String[] {"status", "nonsense"}, Map.of("WEFT_SOCKET", sock.toString()), sink, sink);
                StatusMain.run(new String[] {"status", "--help"}, env, sink, sink);
            }
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    private static void check(int exit) {
        if (exit != StatusClient.EXIT_OK) throw new IllegalStateException("training call failed with exit " + exit);
    }

    private static void serve(ServerSocketChannel server, byte[] answer) {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept();
                    FramedChannel fc = FramedChannel.wrap(ch)) {
                long deadline = System.nanoTime() + StatusClient.TIMEOUT_NANOS;
                fc.readFrame(64 * 1024, deadline);
                fc.writeFrame(answer, deadline);
            } catch (IOException e) {
                // the server closed at the end of training, or one call failed (the caller's exit says so)
            }
        }
    }

    private static Map<String, Object> report() {
        return Json.obj(
                "version",
                "training",
                "ready",
                true,
                "peer",
                Json.obj("nickname", "node-1", "id", "0a0b0c0d0e0f1011", "incarnation", 1L, "address", "192.0.2.11"),
                "cluster",
                Json.obj("name", "weft", "range", "198.18.0.0/16", "blockSize", 26L),
                "encryption",
                Json.obj("enabled", true, "required", true, "podTraffic", false),
                "ipam",
                Json.obj(
                        "owned",
                        64L,
                        "allocated",
                        3L,
                        "range",
                        "198.18.0.0/16",
                        "status",
                        "ok",
                        "owners",
                        List.of(Json.obj(
                                "peer",
                                "0a0b0c0d0e0f1011",
                                "nickname",
                                "node-1",
                                "size",
                                64L,
                                "percent",
                                0.1,
                                "free",
                                61L,
                                "reachable",
                                true,
                                "ranges",
                                List.of("198.18.0.0/26")))),
                "datapath",
                Json.obj("mode", "vxlan", "mtu", 1450L, "device", "weft.vxlan", "vni", 4242L, "port", 4789L),
                "peers",
                List.of(Json.obj(
                        "id", "0a0b0c0d0e0f1012", "nickname", "node-2", "state", "alive", "lastSeenSecondsAgo", 0.4)),
                "connections",
                List.of(Json.obj("peer", "0a0b0c0d0e0f1012", "nickname", "node-2", "mode", "vxlan", "health", "ok")),
                "routes",
                List.of(Json.obj("destination", "198.18.0.64/26", "via", "192.0.2.12", "device", "weft.vxlan")),
                "readinessProblems",
                List.of());
    }
}
