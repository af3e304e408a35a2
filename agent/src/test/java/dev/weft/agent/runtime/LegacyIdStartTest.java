package dev.weft.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.AgentOptions;
import dev.weft.agent.config.ConfigSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The agent with {@code --require-self-certifying-ids} does not start on a state directory with a legacy id. */
class LegacyIdStartTest {
    @CommandLine.Command(name = "t")
    static final class Holder {
        @CommandLine.Mixin
        AgentOptions options = new AgentOptions();
    }

    private static AgentConfig config(Path stateDir, String... extra) {
        Holder h = new Holder();
        CommandLine cl = new CommandLine(h);
        cl.setDefaultValueProvider(new ConfigSources(Map.of(), null));
        String[] base = {"--node-name", "n1", "--encryption", "disabled", "--state-dir", stateDir.toString()};
        String[] args = java.util.stream.Stream.of(base, extra)
                .flatMap(java.util.Arrays::stream)
                .toArray(String[]::new);
        cl.parseArgs(args);
        return h.options.toConfig();
    }

    @Test
    void aLegacyIdIsRefusedAtStartWithExitCode2AndHowToRetireIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("peer-id"), "3f2a09c1d4e5b6a7\n", StandardCharsets.US_ASCII);
        AgentRuntime rt = new AgentRuntime(config(dir, "--require-self-certifying-ids"));
        try {
            assertThatThrownBy(rt::start)
                    .isInstanceOfSatisfying(
                            AgentRuntime.StartupException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(2))
                    .hasMessageContaining("legacy id")
                    .hasMessageContaining("weft rmpeer 3f2a09c1d4e5b6a7");
        } finally {
            rt.close();
        }
        assertThat(dir.resolve("identity.key")).as("nothing written").doesNotExist();
    }
}
