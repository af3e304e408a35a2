package dev.weft.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cni.proto.CniRequest;
import dev.weft.cni.proto.CniResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShimProtocolTest {

    Path dir;
    ServerSocketChannel server;
    Path sock;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("weft-shim-test");
        sock = dir.resolve("s.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
    }

    @AfterEach
    void tearDown() throws IOException {
        server.close();
        Files.deleteIfExists(sock);
        Files.deleteIfExists(dir);
    }

    /** Golden bytes: the wire layout of a request must not change silently (field numbers are append-only). */
    @Test
    void requestGoldenBytes() {
        CniRequest r = ProtoMessages.toProto(new CniInvocation(
                "ADD", "c1", "", "eth0", null, "/opt/cni/bin", "{}".getBytes(StandardCharsets.UTF_8)));
        assertThat(HexFormat.of().formatHex(r.toByteArray()))
                .isEqualTo("0801" + "1203414444" + "1a026331" + "2200" + "2a0465746830" + "3a0c2f6f70742f636e692f62696e"
                        + "42027b7d");
        assertThat(ProtoMessages.fromProto(r))
                .isEqualTo(new CniInvocation(
                        "ADD", "c1", "", "eth0", null, "/opt/cni/bin", "{}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void responseGoldenBytes() {
        CniResponse r = ProtoMessages.response(1, "{}", "e");
        assertThat(HexFormat.of().formatHex(r.toByteArray())).isEqualTo("0801" + "1001" + "1a027b7d" + "220165");
    }

    @Test
    void framesRoundTripOverAUnixSocket() throws Exception {
        try (FramedChannel client = FramedChannel.connect(UnixDomainSocketAddress.of(sock), deadline(2000));
                SocketChannel accepted = server.accept();
                FramedChannel srv = FramedChannel.wrap(accepted)) {
            byte[] big = new byte[300_000];
            big[299_999] = 7;
            var writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    client.writeFrame(big, deadline(5000));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(srv.readFrame(FramedChannel.MAX_FRAME, deadline(5000))).isEqualTo(big);
            writer.get(5, java.util.concurrent.TimeUnit.SECONDS);
            srv.writeFrame(new byte[0], deadline(2000));
            assertThat(client.readFrame(10, deadline(2000))).isEmpty();
        }
    }

    @Test
    void oversizeFrameIsRefusedBeforeReadingIt() throws Exception {
        try (FramedChannel client = FramedChannel.connect(UnixDomainSocketAddress.of(sock), deadline(2000));
                SocketChannel accepted = server.accept();
                FramedChannel srv = FramedChannel.wrap(accepted)) {
            client.writeFrame(new byte[100], deadline(2000));
            assertThatThrownBy(() -> srv.readFrame(99, deadline(2000)))
                    .isInstanceOf(FramedChannel.FrameException.class)
                    .hasMessageContaining("exceeds");
        }
    }

    @Test
    void malformedLengthAndSilenceAreTypedErrors() throws Exception {
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                SocketChannel accepted = server.accept();
                FramedChannel srv = FramedChannel.wrap(accepted)) {
            raw.write(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1}));
            assertThatThrownBy(() -> srv.readFrame(FramedChannel.MAX_FRAME, deadline(2000)))
                    .isInstanceOf(FramedChannel.FrameException.class);
        }
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                SocketChannel accepted = server.accept();
                FramedChannel srv = FramedChannel.wrap(accepted)) {
            raw.write(ByteBuffer.wrap(new byte[] {5, 1, 2}));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> srv.readFrame(FramedChannel.MAX_FRAME, deadline(200)))
                    .isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(System.nanoTime() - t0).isLessThan(2_000_000_000L);
        }
    }

    @Test
    void versionRange() {
        assertThat(ShimProtocol.accepts(ShimProtocol.VERSION)).isTrue();
        assertThat(ShimProtocol.accepts(0)).isFalse();
        assertThat(ShimProtocol.accepts(ShimProtocol.MAX_VERSION + 1)).isFalse();
    }

    @Test
    void pluginCodecAndGeneratedClassesAgreeBothWays() throws Exception {
        java.util.Random rnd = new java.util.Random(7);
        String[] pool = {null, "", "ADD", "c-1", "/run/netns/x", "eth0", "K8S_POD_NAME=p;é", "/opt/cni/bin"};
        for (int i = 0; i < 2000; i++) {
            byte[] stdin = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(300)];
            rnd.nextBytes(stdin);
            CniInvocation inv = new CniInvocation(
                    pool[rnd.nextInt(pool.length)],
                    pool[rnd.nextInt(pool.length)],
                    pool[rnd.nextInt(pool.length)],
                    pool[rnd.nextInt(pool.length)],
                    pool[rnd.nextInt(pool.length)],
                    pool[rnd.nextInt(pool.length)],
                    stdin);
            byte[] mine = ShimWire.encodeRequest(inv, ShimProtocol.VERSION);
            assertThat(mine).isEqualTo(ProtoMessages.toProto(inv).toByteArray());
            assertThat(ProtoMessages.fromProto(ProtoMessages.parseRequest(mine)))
                    .isEqualTo(inv);
            int[] v = new int[1];
            assertThat(ShimWire.decodeRequest(ProtoMessages.toProto(inv).toByteArray(), v))
                    .isEqualTo(inv);
            assertThat(v[0]).isEqualTo(ShimProtocol.VERSION);

            int exit = rnd.nextInt(5) == 0 ? -rnd.nextInt(1000) : rnd.nextInt(256);
            String out = rnd.nextBoolean() ? "" : "{\"cniVersion\":\"1.0.0\",\"x\":" + i + "}";
            String err = rnd.nextBoolean() ? "" : "stderr é " + i;
            CniResponse gen = ProtoMessages.response(exit, out, err);
            byte[] enc = ShimWire.encodeResponse(ShimProtocol.VERSION, exit, out.getBytes(StandardCharsets.UTF_8), err);
            assertThat(enc).isEqualTo(gen.toByteArray());
            ShimWire.Response dec = ShimWire.decodeResponse(gen.toByteArray());
            assertThat(dec.exitCode()).isEqualTo(exit);
            assertThat(new String(dec.stdout(), StandardCharsets.UTF_8)).isEqualTo(out);
            assertThat(dec.stderr()).isEqualTo(err);
            assertThat(dec.protocolVersion()).isEqualTo(ShimProtocol.VERSION);
        }
    }

    @Test
    void pluginCodecSkipsUnknownFieldsAndRejectsGarbageWithATypedError() throws Exception {
        // a newer agent appends field 9 (varint) and field 10 (bytes): still readable
        byte[] newer = HexFormat.of().parseHex("0801" + "1003" + "4801" + "52026869" + "1a027b7d");
        ShimWire.Response r = ShimWire.decodeResponse(newer);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("{}".getBytes(StandardCharsets.UTF_8));
        java.util.Random rnd = new java.util.Random(11);
        for (int i = 0; i < 20_000; i++) {
            byte[] g = new byte[rnd.nextInt(40)];
            rnd.nextBytes(g);
            try {
                ShimWire.decodeResponse(g);
                ShimWire.decodeRequest(g, new int[1]);
            } catch (ShimWire.WireException expected) {
                // typed error is the only acceptable failure
            }
        }
        assertThatThrownBy(() -> ShimWire.decodeResponse(HexFormat.of().parseHex("1a05")))
                .isInstanceOf(ShimWire.WireException.class);
        assertThatThrownBy(() -> ShimWire.decodeResponse(HexFormat.of().parseHex("0b")))
                .isInstanceOf(ShimWire.WireException.class);
    }

    static long deadline(long ms) {
        return System.nanoTime() + ms * 1_000_000L;
    }
}
