package dev.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.api.AgentJson;
import dev.weft.agent.api.LocalApi;
import dev.weft.cli.StatusMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small {@code weft-status.jar} client ({@link StatusMain}: the plugin's JSON codec, no Jackson) prints byte for
 * byte what the agent's own {@code weft status} ({@link StatusCommand}: Jackson through {@link AgentClient}) prints,
 * with the same exit code, against one agent socket answering a recorded report (dual stack, nulls, fractions,
 * exponents, a 17-digit integer, non-ASCII and escaped text), for every view and for the failures.
 */
class StatusLightPathTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    @Test
    void everyViewIsByteIdenticalToTheAgentsStatus() throws Exception {
        Map<String, Object> report = recorded();
        try (LocalApi api = new LocalApi(
                dir.resolve("weft.sock"),
                r -> AgentJson.obj("report", report),
                Thread.ofVirtual().factory())) {
            for (String view : List.of("summary", "peers", "connections", "ipam", "routes")) {
                Run agent = agentPath(view, dir.resolve("weft.sock"));
                Run light = lightPath(view, dir.resolve("weft.sock"));
                assertThat(agent.out()).as(view).isNotBlank();
                assertThat(light).as(view).isEqualTo(agent);
                assertThat(light.exit()).as("not ready: exit 1").isEqualTo(AgentClient.EXIT_PROBLEM);
            }
        }
    }

    @Test
    void readyIsExitZeroOnBothPaths() throws Exception {
        Map<String, Object> report = new java.util.LinkedHashMap<>(recorded());
        report.put("ready", true);
        report.put("readinessProblems", List.of());
        try (LocalApi api = new LocalApi(
                dir.resolve("weft.sock"),
                r -> AgentJson.obj("report", report),
                Thread.ofVirtual().factory())) {
            Run light = lightPath("summary", dir.resolve("weft.sock"));
            assertThat(light).isEqualTo(agentPath("summary", dir.resolve("weft.sock")));
            assertThat(light.exit()).isEqualTo(AgentClient.EXIT_OK);
            assertThat(light.out()).contains("Status:  ready");
        }
    }

    @Test
    void failuresSayTheSameOnBothPaths() throws Exception {
        Path absent = dir.resolve("absent.sock");
        assertThat(lightPath("summary", absent)).isEqualTo(agentPath("summary", absent));
        assertThat(lightPath("summary", absent).exit()).isEqualTo(AgentClient.EXIT_UNREACHABLE);
        assertThat(lightPath("nonsense", absent)).isEqualTo(agentPath("nonsense", absent));
        assertThat(lightPath("nonsense", absent).exit()).isEqualTo(2);
        try (LocalApi api = new LocalApi(
                dir.resolve("refusing.sock"),
                r -> {
                    throw new LocalApi.ApiException("report not available while the agent starts");
                },
                Thread.ofVirtual().factory())) {
            Run light = lightPath("peers", dir.resolve("refusing.sock"));
            assertThat(light).isEqualTo(agentPath("peers", dir.resolve("refusing.sock")));
            assertThat(light.err()).contains("the agent refused: report not available while the agent starts");
            assertThat(light.exit()).isEqualTo(AgentClient.EXIT_PROBLEM);
        }
    }

    private static Map<String, Object> recorded() throws IOException {
        try (InputStream in = StatusLightPathTest.class.getResourceAsStream("/status/report-dualstack.json")) {
            return AgentJson.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Run lightPath(String view, Path socket) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = StatusMain.run(
                new String[] {"status", view, "--socket", socket.toString()},
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The agent's path as {@code weft status} takes it (it prints to System.out and System.err). */
    private static synchronized Run agentPath(String view, Path socket) {
        PrintStream sysOut = System.out;
        PrintStream sysErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = StatusCommand.fast(new String[] {"status", view, "--socket", socket.toString()}, Map.of())
                    .orElseThrow();
        } finally {
            System.setOut(sysOut);
            System.setErr(sysErr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
