package dev.weft.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Naming rules and the run state file, without touching the kernel. */
class LabNamesAndStateTest {

    @Test
    void runIdsAndNamespaceNamesFollowTheScheme() {
        String id = LabNames.newRunId(new Random(7));
        assertThat(id).matches("wftlab[0-9a-f]{6}");
        assertThat(LabNames.isRunId(id)).isTrue();
        assertThat(LabNames.isRunId("wftlab12345")).isFalse();
        assertThat(LabNames.isRunId("wftdp3fa9c1")).isFalse();
        assertThat(LabNames.nodeNamespace(id, 3)).isEqualTo(id + "-n3");
        assertThat(LabNames.podNamespace(id, 3, "web")).isEqualTo(id + "-n3-web");
        assertThat(LabNames.runIdOf(id + "-n3-web")).contains(id);
        assertThat(LabNames.runIdOf("wftdp3fa9c1-a")).isEmpty();
        assertThat(LabNames.runIdOf("wftlab")).isEmpty();
        // Interface names the lab creates fit the kernel's 15-character limit.
        assertThat(LabNames.underlayPort(LabNames.MAX_NODES).length()).isLessThanOrEqualTo(15);
        assertThat(LabNames.nodeNamespace(id, 9)).hasSize(15);
    }

    @Test
    void nodeAddressesComeFromTheTestNet() {
        assertThat(LabNames.nodeAddress(1)).isEqualTo("192.0.2.11");
        assertThat(LabNames.nodeAddress(LabNames.MAX_NODES)).isEqualTo("192.0.2.109");
        assertThat(LabNames.nodeAddressV6(1)).isEqualTo("2001:db8:c0::11");
        assertThat(LabNames.nodeAddressV6(LabNames.MAX_NODES)).isEqualTo("2001:db8:c0::109");
        assertThatThrownBy(() -> LabNames.nodeAddress(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabNames.nodeAddress(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lab.builder().nodes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabNames.podNamespace("wftlab000000", 1, "a-b"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stateFileRoundTrips(@TempDir Path dir) {
        LabState s = new LabState(
                "wftlababcdef", 4242, 1_700_000_000_000L, true, Instant.parse("2026-01-02T03:04:05Z"), 2, true);
        s.namespaces.add("wftlababcdef-u");
        s.namespaces.add("wftlababcdef-n1");
        s.processes.add(new LabState.ProcessRecord(99, 123, "wftlababcdef-n1", "agent", dir.resolve("n1/agent.log")));
        s.save(dir);
        LabState r = LabState.load(dir).orElseThrow();
        assertThat(r.runId).isEqualTo("wftlababcdef");
        assertThat(r.ownerPid).isEqualTo(4242);
        assertThat(r.persistent).isTrue();
        assertThat(r.nodes).isEqualTo(2);
        assertThat(r.ipv6Underlay).isTrue();
        assertThat(r.created).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(r.namespaces).containsExactly("wftlababcdef-u", "wftlababcdef-n1");
        assertThat(r.processes).containsExactly(s.processes.getFirst());
        LabState.delete(dir);
        assertThat(LabState.load(dir)).isEmpty();
    }

    @Test
    void ownerLivenessUsesPidAndStartTime() {
        LabState mine = LabState.forCurrentProcess("wftlababcdef", false, 1, false);
        assertThat(mine.ownerAlive()).isTrue();
        LabState recycledPid = new LabState(
                "wftlababcdef", mine.ownerPid, mine.ownerStartMillis - 60_000, false, Instant.now(), 1, false);
        assertThat(recycledPid.ownerAlive()).isFalse();
    }

    @Test
    void corruptStateIsReportedWithItsPath(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("state"), "run=wftlababcdef\nowner.pid=notanumber\n");
        assertThatThrownBy(() -> LabState.load(dir))
                .isInstanceOf(LabException.class)
                .hasMessageContaining(dir.resolve("state").toString());
    }
}
