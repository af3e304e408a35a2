package dev.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft status} without picocli: which command lines it takes and that it answers like the picocli path. */
class StatusFastPathTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void leavesEverythingButPlainStatusToPicocli() {
        Map<String, String> env = Map.of();
        assertThat(StatusCommand.fast(new String[] {}, env)).isEmpty();
        assertThat(StatusCommand.fast(new String[] {"agent"}, env)).isEmpty();
        assertThat(StatusCommand.fast(new String[] {"status", "--help"}, env)).isEmpty();
        assertThat(StatusCommand.fast(new String[] {"status", "peers", "ipam"}, env))
                .isEmpty();
        assertThat(StatusCommand.fast(new String[] {"status", "--config-file", "x"}, env))
                .isEmpty();
        assertThat(StatusCommand.fast(new String[] {"status", "--socket"}, env)).isEmpty();
        assertThat(StatusCommand.fast(new String[] {"status"}, Map.of("WEFT_CONFIG_FILE", "/etc/weft.conf")))
                .isEmpty();
    }

    @Test
    void answersPlainStatusWithTheSameExitCodes() {
        String absent = dir.resolve("absent.sock").toString();
        assertThat(StatusCommand.fast(new String[] {"status", "--socket", absent}, Map.of()))
                .isEqualTo(OptionalInt.of(AgentClient.EXIT_UNREACHABLE));
        assertThat(StatusCommand.fast(new String[] {"status", "peers", "--socket=" + absent}, Map.of()))
                .isEqualTo(OptionalInt.of(AgentClient.EXIT_UNREACHABLE));
        assertThat(StatusCommand.fast(new String[] {"status"}, Map.of("WEFT_SOCKET", absent)))
                .isEqualTo(OptionalInt.of(AgentClient.EXIT_UNREACHABLE));
        assertThat(StatusCommand.fast(new String[] {"status", "nonsense", "--socket", absent}, Map.of()))
                .isEqualTo(OptionalInt.of(2));
    }
}
