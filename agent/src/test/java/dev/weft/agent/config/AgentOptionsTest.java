package dev.weft.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.agent.logging.LogFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AgentOptionsTest {

    private static AgentConfig parse(Map<String, String> env, Path file, String... args) {
        AgentOptions o = new AgentOptions();
        CommandLine cl = new CommandLine(new Holder(o));
        cl.setDefaultValueProvider(new ConfigSources(env, file));
        cl.parseArgs(args);
        return o.toConfig();
    }

    @CommandLine.Command(name = "t")
    static final class Holder {
        @CommandLine.Mixin
        AgentOptions options;

        Holder(AgentOptions o) {
            this.options = o;
        }
    }

    @Test
    void defaultsAreTheDocumentedOnes(@TempDir Path dir) throws Exception {
        AgentConfig c = parse(
                Map.of(),
                null,
                "--node-name",
                "node-1",
                "--secret-file",
                secret(dir).toString());
        assertThat(c.encryptionRequired()).isTrue();
        assertThat(c.encryptPodTraffic()).isFalse();
        assertThat(c.requireSelfCertifyingIds()).isFalse();
        assertThat(c.clusterRange()).isEqualTo("10.32.0.0/12");
        assertThat(c.gossipPort()).isEqualTo(6770);
        assertThat(c.vxlanPort()).isEqualTo(4789);
        assertThat(c.sleevePort()).isEqualTo(6771);
        assertThat(c.httpAddress().getPort()).isEqualTo(6772);
        assertThat(c.httpOnUnderlay())
                .as("HTTP binds the node's own address by default, not 0.0.0.0")
                .isTrue();
        assertThat(c.blockSize()).isEqualTo(64);
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/weft"));
        assertThat(c.cliSocket()).isEqualTo(Path.of("/run/weft/weft.sock"));
        assertThat(c.cniSocket()).isEqualTo(Path.of("/run/weft/cni.sock"));
        assertThat(c.logFormat()).isEqualTo(LogFormat.TEXT);
        assertThat(c.datapath()).isEqualTo(AgentConfig.DatapathMode.AUTO);
    }

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("weft.conf");
        Files.writeString(file, "cluster-range=10.40.0.0/16\nvni=7\nlog-format=json\n");
        Map<String, String> env =
                Map.of("WEFT_VNI", "8", "WEFT_NODE_NAME", "from-env", "WEFT_PEERS", "192.0.2.1,192.0.2.2:7000");
        AgentConfig c = parse(env, file, "--log-format", "text", "--encryption", "disabled");
        assertThat(c.clusterRange()).isEqualTo("10.40.0.0/16"); // file
        assertThat(c.vni()).isEqualTo(8); // env beats file
        assertThat(c.logFormat()).isEqualTo(LogFormat.TEXT); // flag beats file
        assertThat(c.nodeName()).isEqualTo("from-env");
        assertThat(c.peers()).containsExactly("192.0.2.1", "192.0.2.2:7000");
    }

    @Test
    void everyBadOptionIsNamedWithItsAllowedValues() {
        assertThatThrownBy(() -> parse(
                        Map.of(),
                        null,
                        "--node-name",
                        "n",
                        "--cluster-range",
                        "10.0.0.0/40",
                        "--log-format",
                        "yaml",
                        "--block-size",
                        "100",
                        "--datapath",
                        "fast",
                        "--vni",
                        "0",
                        "--peers",
                        "192.0.2.1:99999"))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    ConfigException ce = (ConfigException) e;
                    assertThat(ce.problems()).hasSize(7);
                    assertThat(ce.getMessage())
                            .contains("--cluster-range (env WEFT_CLUSTER_RANGE): '10.0.0.0/40'")
                            .contains("allowed: text, json")
                            .contains("a power of two from 4 to 65536")
                            .contains("allowed: vxlan, auto")
                            .contains("1..16777215")
                            .contains("port out of range")
                            .contains("--encryption=required (the default) needs --secret-file")
                            .contains("weft secret generate");
                });
    }

    @Test
    void unknownConfigFileKeysAreReported(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("weft.conf");
        Files.writeString(file, "cluster-rnage=10.40.0.0/16\n");
        ConfigSources src = new ConfigSources(Map.of(), file);
        assertThat(src.unknownFileKeys(java.util.Set.of("--cluster-range")))
                .singleElement()
                .asString()
                .contains("unknown key 'cluster-rnage'")
                .contains("cluster-range");
    }

    @Test
    void unreadableConfigFileIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> new ConfigSources(Map.of(), dir.resolve("missing.conf")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--config-file")
                .hasMessageContaining("missing.conf");
    }

    @Test
    void podCidrModeNeedsKubernetesOrAPodCidr() {
        assertThatThrownBy(() ->
                        parse(Map.of(), null, "--node-name", "n", "--ipam-mode", "podcidr", "--encryption", "disabled"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--ipam-mode=podcidr needs --kubernetes");
        assertThatThrownBy(() ->
                        parse(Map.of(), null, "--node-name", "n", "--ipam-mode", "static", "--encryption", "disabled"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("allowed: ring, podcidr");
        AgentConfig c = parse(
                Map.of("WEFT_POD_CIDR", "198.18.4.0/24"),
                null,
                "--node-name",
                "n",
                "--ipam-mode",
                "podcidr",
                "--encryption",
                "disabled");
        assertThat(c.podCidrMode()).isTrue();
        assertThat(c.podCidr()).isEqualTo("198.18.4.0/24");
    }

    private static Path secret(Path dir) throws Exception {
        Path f = dir.resolve("weft.key");
        Files.writeString(f, SecretFile.generate(new java.security.SecureRandom()) + "\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void withoutASecretTheAgentRefusesToStartUnlessEncryptionIsDisabledOnPurpose(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse(Map.of(), null, "--node-name", "n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("needs --secret-file")
                .hasMessageContaining("weft secret generate");
        AgentConfig off = parse(Map.of("WEFT_ENCRYPTION", "disabled"), null, "--node-name", "n");
        assertThat(off.encryptionDisabled()).isTrue();
        assertThat(off.secretFile()).isNull();
        assertThatThrownBy(() -> parse(Map.of(), null, "--node-name", "n", "--encryption", "optional"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'optional' is no longer accepted");
        assertThatThrownBy(() -> parse(
                        Map.of(),
                        null,
                        "--node-name",
                        "n",
                        "--encryption",
                        "disabled",
                        "--secret-file",
                        secret(dir).toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("both set");
        assertThatThrownBy(() ->
                        parse(Map.of(), null, "--node-name", "n", "--encryption", "disabled", "--encrypt-pod-traffic"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--encrypt-pod-traffic needs a cluster secret");
        AgentConfig on = parse(
                Map.of(), null, "--node-name", "n", "--secret-file", secret(dir).toString(), "--encrypt-pod-traffic");
        assertThat(on.encryptPodTraffic()).isTrue();
    }

    @Test
    void requireSelfCertifyingIdsIsAFlagAndAnEnvironmentVariable(@TempDir Path dir) throws Exception {
        String key = secret(dir).toString();
        assertThat(parse(Map.of(), null, "--node-name", "n", "--secret-file", key, "--require-self-certifying-ids")
                        .requireSelfCertifyingIds())
                .isTrue();
        assertThat(parse(
                                Map.of("WEFT_REQUIRE_SELF_CERTIFYING_IDS", "true"),
                                null,
                                "--node-name",
                                "n",
                                "--secret-file",
                                key)
                        .requireSelfCertifyingIds())
                .isTrue();
    }

    @Test
    void aBadSecretFileIsRefusedWithHowToMakeOne(@TempDir Path dir) throws Exception {
        Path weak = dir.resolve("weak.key");
        Files.writeString(weak, "correct horse battery staple 0123456789\n");
        assertThatThrownBy(() -> parse(Map.of(), null, "--node-name", "n", "--secret-file", weak.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--secret-file")
                .hasMessageContaining("line 1")
                .hasMessageContaining("weft secret generate");
    }

    @Test
    void httpAddressIsPortOnlyForTheUnderlayOrAnExplicitHost() {
        AgentConfig c = parse(
                Map.of(), null, "--node-name", "n", "--encryption", "disabled", "--http-address", "127.0.0.1:9000");
        assertThat(c.httpOnUnderlay()).isFalse();
        assertThat(c.httpAddress().getHostString()).isEqualTo("127.0.0.1");
        assertThat(parse(Map.of(), null, "--node-name", "n", "--encryption", "disabled", "--http-address", ":9001")
                        .httpAddress()
                        .getPort())
                .isEqualTo(9001);
        assertThatThrownBy(() ->
                        parse(Map.of(), null, "--node-name", "n", "--encryption", "disabled", "--http-address", ":x"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--http-address");
    }

    @Test
    void envNamesFollowTheOptionNames() {
        assertThat(ConfigSources.envName("--cluster-range")).isEqualTo("WEFT_CLUSTER_RANGE");
        assertThat(ConfigSources.envName("--ipam-seed")).isEqualTo("WEFT_IPAM_SEED");
    }
}
