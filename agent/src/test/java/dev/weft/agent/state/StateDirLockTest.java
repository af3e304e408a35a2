package dev.weft.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In one JVM; the cross-process case (a second agent exits with code 2) is in the e2e ClusterEndToEndTest. */
class StateDirLockTest {
    @Test
    void aSecondHolderIsRefusedUntilTheFirstReleases(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state"); // created by the lock: it is the first thing the agent does
        StateDirLock first = StateDirLock.acquire(state);
        assertThat(state.resolve("lock")).exists();
        assertThatThrownBy(() -> StateDirLock.acquire(state))
                .isInstanceOf(StateDirLock.HeldException.class)
                .hasMessageContaining("another weft agent is already running")
                .hasMessageContaining("--state-dir");
        first.close();
        try (StateDirLock again = StateDirLock.acquire(state)) {
            assertThat(again).isNotNull();
        }
    }
}
