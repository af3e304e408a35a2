package dev.weft.agent.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cni.FramedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local API's JSON framing on a real Unix socket: answers, refusals, malformed requests. */
class LocalApiTest {
    @TempDir
    Path dir;

    @Test
    void answersRefusesAndRejectsMalformedRequests() throws Exception {
        Path socket = dir.resolve("run/weft.sock");
        LocalApi.Handler handler = request -> switch (String.valueOf(request.get("cmd"))) {
            case "report" -> AgentJson.obj("report", AgentJson.obj("peers", 3L, "mtu", 1450L, "ratio", 0.5));
            default -> throw new LocalApi.ApiException("unknown command " + request.get("cmd"));
        };
        try (LocalApi api =
                new LocalApi(socket, handler, Thread.ofPlatform().daemon().factory())) {
            long timeout = TimeUnit.SECONDS.toNanos(5);
            Map<String, Object> ok = LocalApi.call(socket, AgentJson.obj("cmd", "report"), timeout);
            assertThat(AgentJson.write(ok))
                    .isEqualTo("{\"report\":{\"peers\":3,\"mtu\":1450,\"ratio\":0.5},\"ok\":true}");
            Map<String, Object> refused = LocalApi.call(socket, AgentJson.obj("cmd", "nope"), timeout);
            assertThat(refused).containsEntry("ok", false).containsEntry("error", "unknown command nope");

            try (FramedChannel fc =
                    FramedChannel.connect(java.net.UnixDomainSocketAddress.of(socket), System.nanoTime() + timeout)) {
                fc.writeFrame("[1,2".getBytes(), System.nanoTime() + timeout);
                Map<String, Object> bad =
                        AgentJson.parseObject(new String(fc.readFrame(1 << 20, System.nanoTime() + timeout)));
                assertThat(bad).containsEntry("ok", false);
                assertThat((String) bad.get("error")).startsWith("malformed request: ");
            }
        }
        assertThat(Files.exists(socket)).isFalse();
    }
}
