package dev.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.ReportFormat;
import dev.weft.cni.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportFormatTest {
    private static Map<String, Object> report() {
        return Json.obj(
                "version",
                "0.1.0",
                "ready",
                false,
                "readinessProblems",
                List.of("datapath not programmed yet"),
                "peer",
                Json.obj("id", "00000000000000a1", "nickname", "n1", "incarnation", 3L),
                "cluster",
                Json.obj("name", "weft", "range", "10.32.0.0/12", "blockSize", 64L),
                "encryption",
                Json.obj("enabled", true, "required", false),
                "peers",
                List.of(
                        Json.obj(
                                "id",
                                "00000000000000b2",
                                "nickname",
                                "n2",
                                "state",
                                "alive",
                                "address",
                                "192.0.2.12:6770",
                                "incarnation",
                                1L,
                                "lastSeenSecondsAgo",
                                0.4),
                        Json.obj(
                                "id",
                                "00000000000000c3",
                                "nickname",
                                "node-three",
                                "state",
                                "dead",
                                "address",
                                "192.0.2.13:6770",
                                "incarnation",
                                7L,
                                "lastSeenSecondsAgo",
                                300.0)),
                "connections",
                List.of(Json.obj(
                        "peer",
                        "00000000000000b2",
                        "nickname",
                        "n2",
                        "address",
                        "192.0.2.12",
                        "mode",
                        "vxlan",
                        "health",
                        "ok",
                        "lastSeenSecondsAgo",
                        0.4)),
                "ipam",
                Json.obj(
                        "range",
                        "10.32.0.0/12",
                        "status",
                        "ready",
                        "owned",
                        1024L,
                        "allocated",
                        3L,
                        "owners",
                        List.of(Json.obj(
                                "peer",
                                "00000000000000c3",
                                "nickname",
                                "node-three",
                                "size",
                                524288L,
                                "percent",
                                50.0,
                                "free",
                                524000L,
                                "reachable",
                                false,
                                "ranges",
                                List.of("10.40.0.0/13"))),
                        "warnings",
                        List.of(
                                "peer 00000000000000c3 (node-three) owns 524288 addresses but is unreachable; run 'weft rmpeer 00000000000000c3'")),
                "routes",
                List.of(),
                "datapath",
                Json.obj(
                        "mode",
                        "vxlan",
                        "device",
                        "weft.vxlan",
                        "vni",
                        4242L,
                        "port",
                        4789L,
                        "mtu",
                        1450L,
                        "routes",
                        0L,
                        "repairs",
                        2L));
    }

    @Test
    void summarySaysWhatIsWrongAndWhatToDo() {
        String s = ReportFormat.summary(report());
        assertThat(s)
                .contains("Status:  NOT READY")
                .contains("- datapath not programmed yet")
                .contains("2 known: 1 alive, 0 suspect, 1 dead")
                .contains("Encryption:  enabled")
                .contains("Warning:  peer 00000000000000c3 (node-three) owns 524288 addresses but is unreachable");
    }

    @Test
    void tablesAreAligned() {
        String peers = ReportFormat.peers(report());
        List<String> lines = peers.lines().toList();
        assertThat(lines).hasSize(3);
        int col = lines.get(0).indexOf("STATE");
        assertThat(lines.get(1).substring(col)).startsWith("alive");
        assertThat(lines.get(2).substring(col)).startsWith("dead");
        assertThat(lines.get(2)).contains("5m ago");
        String ipam = ReportFormat.ipam(report());
        assertThat(ipam).contains("50.0%").contains("NO").contains("Warning: peer 00000000000000c3");
    }

    @Test
    void inPodCidrModeTheNodesRangeIsCalledItsPodCidrNotTheClusterRange() {
        Map<String, Object> r = new java.util.HashMap<>(report());
        r.put(
                "ipam",
                Json.obj(
                        "range",
                        "198.18.1.0/24",
                        "podCidrMode",
                        true,
                        "status",
                        "ready",
                        "owned",
                        256L,
                        "allocated",
                        2L));
        assertThat(ReportFormat.summary(r))
                .contains("256 addresses owned here, 2 in use; this node's podCIDR 198.18.1.0/24 ready")
                .doesNotContain("cluster 198.18.1.0/24");
        assertThat(ReportFormat.ipam(r)).startsWith("podCIDR 198.18.1.0/24: ready");
        assertThat(ReportFormat.summary(report())).contains("in use; cluster ");
        assertThat(ReportFormat.ipam(report())).startsWith("Range ");
    }

    @Test
    void theIdentitySettingIsShownInStatusAndDoctor() {
        Map<String, Object> r = new java.util.HashMap<>(report());
        assertThat(ReportFormat.summary(r))
                .as("an older agent's report: no line")
                .doesNotContain("Identity:");
        assertThat(DoctorCommand.identity(ReportFormat.map(r, "identity"))).isNull();

        r.put("identity", Json.obj("selfCertifying", true, "legacyIdsRefused", true));
        assertThat(ReportFormat.summary(r))
                .contains(
                        "Identity:  self-certifying peer id; legacy peer ids refused (--require-self-certifying-ids)");
        assertThat(DoctorCommand.identity(ReportFormat.map(r, "identity")).status())
                .isEqualTo(DoctorCommand.Status.OK);

        r.put("identity", Json.obj("selfCertifying", true, "legacyIdsRefused", false));
        assertThat(ReportFormat.summary(r)).contains("legacy peer ids accepted, trusted on first sight");

        r.put("identity", Json.obj("selfCertifying", false, "legacyIdsRefused", false));
        assertThat(ReportFormat.summary(r)).contains("Identity:  LEGACY peer id");
        DoctorCommand.Check c = DoctorCommand.identity(ReportFormat.map(r, "identity"));
        assertThat(c.status()).isEqualTo(DoctorCommand.Status.WARN);
        assertThat(c.fix()).contains("weft rmpeer").contains("empty its state directory");
    }

    @Test
    void disabledEncryptionIsShoutedInStatusAndDoctor() {
        Map<String, Object> r = new java.util.HashMap<>(report());
        r.put("encryption", Json.obj("enabled", false, "required", false, "disabled", true));
        r.put(
                "warnings",
                List.of(
                        "encryption is disabled (--encryption=disabled): anyone who reaches the gossip port can read and change this cluster"));
        assertThat(ReportFormat.summary(r))
                .contains("Encryption:  DISABLED")
                .contains("Warning:  encryption is disabled");
        DoctorCommand.Check c = DoctorCommand.encryption(ReportFormat.map(r, "encryption"));
        assertThat(c.status()).isEqualTo(DoctorCommand.Status.WARN);
        assertThat(c.fix()).contains("weft secret generate");
        assertThat(DoctorCommand.encryption(ReportFormat.map(report(), "encryption"))
                        .status())
                .isEqualTo(DoctorCommand.Status.OK);
    }

    @Test
    void aFullClusterRangeIsAFailingDoctorCheckAndTheStatusShowsTheFill() {
        Map<String, Object> full = Json.obj(
                "verdict",
                "full",
                "total",
                64L,
                "used",
                64L,
                "percentUsed",
                100L,
                "summary",
                "the cluster range 198.18.0.0/26 is full: 64 of 64 addresses in use (100 %)",
                "advice",
                "delete pods that are no longer needed");
        DoctorCommand.Check c = DoctorCommand.addressSpace(full);
        assertThat(c.status()).isEqualTo(DoctorCommand.Status.FAIL);
        assertThat(c.detail()).contains("64 of 64");
        assertThat(c.fix()).contains("delete pods");
        Map<String, Object> nearly = new java.util.HashMap<>(full);
        nearly.put("verdict", "nearly-full");
        assertThat(DoctorCommand.addressSpace(nearly).status()).isEqualTo(DoctorCommand.Status.WARN);
        nearly.put("verdict", "ok");
        assertThat(DoctorCommand.addressSpace(nearly).status()).isEqualTo(DoctorCommand.Status.OK);
        assertThat(DoctorCommand.addressSpace(Json.obj("verdict", "no-ring"))).isNull();
        assertThat(ReportFormat.clusterFill(full)).isEqualTo(", 64 of 64 addresses in use (100 %)");
    }
}
