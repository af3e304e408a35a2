package dev.weft.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Three node namespaces come up on the underlay bridge and reach each other; nothing is left afterwards. */
@Tag("kernel")
class LabConnectivityTest {

    @Test
    void threeNodesPingEachOtherAndTeardownLeavesNothing() throws Exception {
        Set<String> hostLinksBefore = hostLinks();
        String runId;
        Path runDir;
        try (Lab lab = Lab.builder().nodes(3).start()) {
            runId = lab.runId();
            runDir = lab.runDir();
            assertThat(runId).matches("wftlab[0-9a-f]{6}");
            assertThat(lab.existingNamespaces())
                    .containsExactlyInAnyOrder(runId + "-u", runId + "-n1", runId + "-n2", runId + "-n3");
            assertThat(lab.seeds()).containsExactly("192.0.2.11", "192.0.2.12", "192.0.2.13");
            for (LabNode from : lab.nodes()) {
                assertThat(from.exec("ip", "-4", "-o", "addr", "show", "dev", "eth0")
                                .orThrow()
                                .stdout())
                        .contains(from.cidr());
                assertThat(from.exec("cat", "/proc/sys/net/ipv4/ip_forward")
                                .orThrow()
                                .stdout()
                                .strip())
                        .isEqualTo("1");
                assertThat(from.exec("ip", "-o", "link", "show", "lo").orThrow().stdout())
                        .contains("UP");
                for (LabNode to : lab.nodes()) {
                    if (to != from) {
                        assertThat(from.ping(to.address(), 3).received())
                                .as("%s -> %s", from, to.address())
                                .isEqualTo(3);
                    }
                }
            }
            // The bridge and the node links live in lab namespaces, not in the host's.
            assertThat(lab.underlay()
                            .exec("ip", "-o", "link", "show", "type", "bridge")
                            .orThrow()
                            .stdout())
                    .contains(LabNames.BRIDGE);
            assertThat(hostLinks()).isEqualTo(hostLinksBefore);
            assertThat(Files.isRegularFile(runDir.resolve("state"))).isTrue();
        }
        assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(runId));
        assertThat(Files.exists(runDir.resolve("state"))).isFalse();
        assertThat(hostLinks()).isEqualTo(hostLinksBefore);
    }

    private static Set<String> hostLinks() {
        Set<String> names = new TreeSet<>();
        for (String line : Cmd.check("ip", "-o", "link", "show").stdout().split("\n")) {
            String[] f = line.split(":\\s+", 3);
            if (f.length >= 2) {
                names.add(f[1].replaceAll("@.*", ""));
            }
        }
        return names;
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
