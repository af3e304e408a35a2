package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which command lines the small status client takes; everything else is left to the agent's full CLI. */
class StatusArgsTest {
    @Test
    void takesThePlainForm() {
        Map<String, String> env = Map.of();
        assertThat(StatusArgs.parse(new String[] {"status"}, env))
                .contains(new StatusArgs("summary", Path.of(StatusArgs.DEFAULT_SOCKET)));
        assertThat(StatusArgs.parse(new String[] {"status", "peers", "--socket", "/s"}, env))
                .contains(new StatusArgs("peers", Path.of("/s")));
        assertThat(StatusArgs.parse(new String[] {"status", "--socket=/s", "ipam"}, env))
                .contains(new StatusArgs("ipam", Path.of("/s")));
        assertThat(StatusArgs.parse(new String[] {"status"}, Map.of("WEFT_SOCKET", "/e")))
                .contains(new StatusArgs("summary", Path.of("/e")));
        assertThat(StatusArgs.parse(new String[] {"status", "--socket", "/s"}, Map.of("WEFT_SOCKET", "/e")))
                .contains(new StatusArgs("summary", Path.of("/s")));
        assertThat(StatusArgs.parse(new String[] {"status", "nonsense"}, env))
                .as("an unknown view is the client's to refuse, as the agent's would")
                .contains(new StatusArgs("nonsense", Path.of(StatusArgs.DEFAULT_SOCKET)));
    }

    @Test
    void leavesEverythingElseToTheFullCli() {
        Map<String, String> env = Map.of();
        assertThat(StatusArgs.parse(new String[] {}, env)).isEmpty();
        assertThat(StatusArgs.parse(new String[] {"agent"}, env)).isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status", "--help"}, env)).isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status", "peers", "ipam"}, env))
                .isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status", "--socket"}, env)).isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status", "--socket", "/a", "--socket", "/b"}, env))
                .isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status", "--socket="}, env)).isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status"}, Map.of("WEFT_SOCKET", "")))
                .isEmpty();
        assertThat(StatusArgs.parse(new String[] {"status"}, Map.of("WEFT_CONFIG_FILE", "/etc/weft.conf")))
                .isEmpty();
    }

    @Test
    void theClientRefusesAnythingButThePlainForm() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(StatusMain.run(new String[] {"status", "--help"}, Map.of(), ps, ps))
                .isEqualTo(2);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("weft status --help");
    }
}
