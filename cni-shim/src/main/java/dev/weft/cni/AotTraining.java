package dev.weft.cni;

import java.io.ByteArrayInputStream;
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
import java.util.HashMap;
import java.util.Map;

/**
 * The training run from which the build records the plugin's AOT cache: the same code paths a real
 * invocation takes (env and config parsing, connecting, framing, protobuf, printing the answer, the error
 * paths), against a throw-away answering socket. Not used at run time.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("weft-aot");
        Path sock = dir.resolve("cni.sock");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        // the real main reads the process environment: have its classes in the cache too
        Map<String, String> processEnv = System.getenv();
        if (processEnv.containsKey("CNI_COMMAND")) sink.print(processEnv.get("CNI_COMMAND"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            // a plain Thread and Runnable (no builder, no lambda): every class the training loads is in the
            // cache, and the runtime loads all of the cache's classes at each start
            Thread t = new Thread(new Answerer(server), "aot-training-agent");
            t.setDaemon(true);
            t.start();
            String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\"" + sock
                    + "\",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"198.18.0.2/32\"}]}}";
            for (int round = 0; round < 20; round++) {
                for (String cmd : new String[] {"ADD", "CHECK", "DEL", "STATUS", "GC"}) {
                    ShimMain.run(env(cmd), in(conf), sink, sink);
                }
                ShimMain.run(env("VERSION"), in("{\"cniVersion\":\"1.1.0\"}"), sink, sink);
                ShimMain.run(env("ADD"), in("{not json"), sink, sink);
                ShimMain.run(
                        env("ADD"),
                        in(conf.replace(
                                sock.toString(), dir.resolve("absent.sock").toString())),
                        sink,
                        sink);
            }
            t.interrupt();
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    private record Answerer(ServerSocketChannel server) implements Runnable {
        @Override
        public void run() {
            answer(server);
        }
    }

    private static void answer(ServerSocketChannel server) {
        while (!Thread.currentThread().isInterrupted()) {
            try (SocketChannel c = server.accept();
                    FramedChannel fc = FramedChannel.wrap(c)) {
                long deadline = System.nanoTime() + 5_000_000_000L;
                CniInvocation inv = ShimWire.decodeRequest(fc.readFrame(FramedChannel.MAX_FRAME, deadline), new int[1]);
                String out = Json.write(Json.obj(
                        "cniVersion",
                        "1.0.0",
                        "ips",
                        java.util.List.of(Json.obj("address", "198.18.0.2/32")),
                        "command",
                        inv.command()));
                fc.writeFrame(
                        ShimWire.encodeResponse(ShimProtocol.VERSION, 0, out.getBytes(StandardCharsets.UTF_8), ""),
                        deadline);
            } catch (IOException e) {
                if (!server.isOpen()) return;
            }
        }
    }

    private static Map<String, String> env(String cmd) {
        Map<String, String> m = new HashMap<>();
        m.put("CNI_COMMAND", cmd);
        m.put("CNI_CONTAINERID", "aottraining0");
        m.put("CNI_NETNS", "/var/run/netns/aot");
        m.put("CNI_IFNAME", "eth0");
        m.put("CNI_PATH", "/opt/cni/bin");
        m.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=aot");
        return m;
    }

    private static ByteArrayInputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
