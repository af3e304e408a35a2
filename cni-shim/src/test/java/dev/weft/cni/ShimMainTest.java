package dev.weft.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cni.proto.CniRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShimMainTest {

    record Run(int rc, String out, String err) {
        Map<String, Object> json() throws Exception {
            return Json.parseObject(out);
        }

        long code() throws Exception {
            return (Long) json().get("code");
        }
    }

    static Map<String, String> env(String cmd) {
        Map<String, String> m = new HashMap<>();
        m.put("CNI_COMMAND", cmd);
        m.put("CNI_CONTAINERID", "c1");
        m.put("CNI_NETNS", "/run/netns/x");
        m.put("CNI_IFNAME", "eth0");
        m.put("CNI_PATH", "/opt/cni/bin");
        return m;
    }

    static Run run(Map<String, String> env, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ShimMain.run(
                env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String conf(String socket) {
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\"" + socket + "\"}";
    }

    @Test
    void versionIsAnsweredWithoutAnAgent() throws Exception {
        Run r = run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"0.4.0\"}");
        assertThat(r.rc()).isZero();
        assertThat(r.json()).containsEntry("cniVersion", "0.4.0");
        assertThat(r.json().get("supportedVersions")).isEqualTo(CniVersions.SUPPORTED);
    }

    @Test
    void badInputIsAnsweredLocallyWithTheRightCode() throws Exception {
        assertThat(run(Map.of(), conf("/nonexistent")).code()).isEqualTo(4);
        assertThat(run(Map.of("CNI_COMMAND", "JUMP"), conf("/nonexistent")).code())
                .isEqualTo(4);
        Map<String, String> noNetns = env("ADD");
        noNetns.remove("CNI_NETNS");
        Run r = run(noNetns, conf("/nonexistent"));
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.json().get("msg").toString()).contains("CNI_NETNS");
        assertThat(run(env("ADD"), "not json").code()).isEqualTo(6);
        assertThat(run(env("ADD"), "").code()).isEqualTo(6);
        assertThat(run(env("ADD"), "{\"cniVersion\":1}").code()).isEqualTo(7);
        assertThat(run(env("ADD"), "{\"cniVersion\":\"0.2.0\",\"name\":\"w\",\"type\":\"weft\"}")
                        .code())
                .isEqualTo(1);
        assertThat(run(env("ADD"), conf("relative/path")).code()).isEqualTo(7);
        Run bad = run(env("ADD"), "{\"cniVersion\":\"1.0.0\"");
        assertThat(bad.rc()).isNotZero();
        assertThat(bad.json()).containsEntry("cniVersion", "1.1.0");
    }

    @Test
    void unreachableAgentIsTryAgainLaterNamingTheSocket() throws Exception {
        Path dir = Files.createTempDirectory("weft-shim");
        try {
            Run r = run(env("ADD"), conf(dir.resolve("absent.sock").toString()));
            assertThat(r.rc()).isNotZero();
            assertThat(r.code()).isEqualTo(11);
            assertThat(r.json()).containsEntry("cniVersion", "1.0.0");
            assertThat(r.json().get("msg").toString())
                    .contains(dir.resolve("absent.sock").toString());
            assertThat(r.json().get("details").toString()).contains("weft");
            Run st = run(
                    env("STATUS"), conf(dir.resolve("absent.sock").toString()).replace("1.0.0", "1.1.0"));
            assertThat(st.code()).isEqualTo(50);
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void relaysTheAgentsAnswerAndExitCode() throws Exception {
        Path dir = Files.createTempDirectory("weft-shim");
        Path sock = dir.resolve("cni.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            CompletableFuture<CniRequest> seen = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel c = server.accept();
                        FramedChannel fc = FramedChannel.wrap(c)) {
                    long d = System.nanoTime() + 5_000_000_000L;
                    CniRequest req = ProtoMessages.parseRequest(fc.readFrame(FramedChannel.MAX_FRAME, d));
                    fc.writeFrame(
                            ProtoMessages.response(3, "{\"answer\":42}", "agent says hi")
                                    .toByteArray(),
                            d);
                    return req;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Map<String, String> e = env("DEL");
            e.put("CNI_NETNS", "");
            e.put("CNI_ARGS", "K8S_POD_NAME=p");
            Run r = run(e, conf(sock.toString()));
            assertThat(r.rc()).isEqualTo(3);
            assertThat(r.out()).isEqualTo("{\"answer\":42}");
            assertThat(r.err()).contains("agent says hi");
            CniRequest req = seen.get(5, TimeUnit.SECONDS);
            assertThat(req.getCommand()).isEqualTo("DEL");
            assertThat(req.hasNetns()).isTrue();
            assertThat(req.getNetns()).isEmpty();
            assertThat(req.getArgs()).isEqualTo("K8S_POD_NAME=p");
            assertThat(req.getStdin().toStringUtf8()).isEqualTo(conf(sock.toString()));
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void anAgentThatNeverAnswersTimesOut() throws Exception {
        Path dir = Files.createTempDirectory("weft-shim");
        Path sock = dir.resolve("cni.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock)); // accepts (backlog) but never answers
            long t0 = System.nanoTime();
            Run r = run(env("ADD"), conf(sock.toString()).replace("}", ",\"agentTimeoutSeconds\":1}"));
            assertThat(r.code()).isEqualTo(11);
            assertThat(r.json().get("msg").toString()).contains("did not answer");
            assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }
}
