package dev.weft.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cni.FramedChannel;
import dev.weft.cni.Json;
import dev.weft.cni.ShimMain;
import dev.weft.cni.ShimWire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server over a real Unix socket with the plugin's main in-process (no kernel work: fake plumbing). */
class CniServerTest {
    Path dir;
    Path socket;
    ExecutorService executor;
    CniServer server;
    final FakeIpam ipam = new FakeIpam("198.18.0.2", 8);

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("weft-cni-srv");
        socket = dir.resolve("run").resolve("cni.sock");
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server = new CniServer(
                socket,
                executor,
                new CniHandler(ipam, new FakePodNetwork(), Optional::empty, () -> 1450, System::nanoTime));
        server.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
        executor.shutdownNow();
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    String plugin(String cmd, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String conf =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"agentSocket\":\"" + socket + "\"}";
        int rc = ShimMain.run(
                Map.of(
                        "CNI_COMMAND",
                        cmd,
                        "CNI_CONTAINERID",
                        id,
                        "CNI_NETNS",
                        "/run/netns/" + id,
                        "CNI_IFNAME",
                        "eth0",
                        "CNI_PATH",
                        "/opt/cni/bin"),
                new ByteArrayInputStream(conf.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(OutputStreamSink.INSTANCE));
        return rc + " " + out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void pluginMainTalksToTheServer() throws Exception {
        String add = plugin("ADD", "c1");
        assertThat(add).startsWith("0 ").contains("198.18.0.2/32");
        assertThat(plugin("DEL", "c1")).isEqualTo("0 ");
        assertThat(ipam.allocated()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                .isEqualTo("rw-------");
    }

    @Test
    void garbageFrameGetsADecodeErrorAndTheServerKeepsServing() throws Exception {
        try (FramedChannel c =
                FramedChannel.connect(UnixDomainSocketAddress.of(socket), System.nanoTime() + 2_000_000_000L)) {
            c.writeFrame(new byte[] {(byte) 0xff, 0x00, 0x13}, System.nanoTime() + 2_000_000_000L);
            ShimWire.Response r =
                    ShimWire.decodeResponse(c.readFrame(FramedChannel.MAX_FRAME, System.nanoTime() + 2_000_000_000L));
            assertThat(r.exitCode()).isNotZero();
            assertThat(Json.parseObject(new String(r.stdout(), StandardCharsets.UTF_8)))
                    .containsEntry("code", 6L);
        }
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            raw.write(ByteBuffer.wrap(
                    new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f})); // 4 GiB frame
        }
        assertThat(plugin("ADD", "c2")).startsWith("0 ");
        assertThat(server.handlerStats().badFrames()).isEqualTo(2);
    }

    @Test
    void aSecondServerOnALiveSocketRefusesButAStaleFileIsReplaced() throws Exception {
        CniServer second = new CniServer(
                socket,
                executor,
                new CniHandler(ipam, new FakePodNetwork(), Optional::empty, () -> 1450, System::nanoTime));
        assertThatThrownBy(second::start).isInstanceOf(IOException.class).hasMessageContaining("already serving");
        assertThat(plugin("ADD", "c3")).startsWith("0 ");

        Path stale = dir.resolve("stale.sock");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(stale));
        } // closed: the file stays, nobody listens
        assertThat(stale).exists();
        CniServer fresh = new CniServer(
                stale,
                executor,
                new CniHandler(ipam, new FakePodNetwork(), Optional::empty, () -> 1450, System::nanoTime));
        fresh.start();
        fresh.close();
        assertThat(stale).doesNotExist();
    }

    /** Discards stderr of the in-process plugin. */
    static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {}
    }
}
