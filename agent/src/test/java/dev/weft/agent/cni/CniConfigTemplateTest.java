package dev.weft.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cni.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CniConfigTemplateTest {

    @SuppressWarnings("unchecked")
    @Test
    void defaultConflistIsWeftThenPortmapAndEachEntryIsAcceptedByTheServer() throws Exception {
        String text = CniConfigTemplate.defaultConflist();
        assertThat(text).contains("\n  \"plugins\": [");
        Map<String, Object> m = Json.parseObject(text);
        assertThat(m).containsEntry("cniVersion", "1.0.0").containsEntry("name", "weft");
        List<Map<String, Object>> plugins = (List<Map<String, Object>>) m.get("plugins");
        assertThat(plugins).extracting(p -> p.get("type")).containsExactly("weft", "portmap");
        assertThat(plugins.get(0)).doesNotContainKey("agentSocket");
        assertThat(plugins.get(1).get("capabilities")).isEqualTo(Map.of("portMappings", true));

        // What the runtime hands the plugin: the entry plus the list's name and version.
        Map<String, Object> entry = new java.util.LinkedHashMap<>(plugins.get(0));
        entry.put("cniVersion", m.get("cniVersion"));
        entry.put("name", m.get("name"));
        CniNetConf conf = CniNetConf.parse(Json.write(entry).getBytes(StandardCharsets.UTF_8));
        assertThat(conf.type()).isEqualTo("weft");
    }

    @Test
    void customSocketAndVersion() throws Exception {
        String text = CniConfigTemplate.conflist("pods", "1.1.0", Path.of("/var/run/weft2/cni.sock"), false);
        Map<String, Object> m = Json.parseObject(text);
        assertThat(m).containsEntry("cniVersion", "1.1.0").containsEntry("name", "pods");
        assertThat(text)
                .contains("\"agentSocket\": \"/var/run/weft2/cni.sock\"")
                .doesNotContain("portmap");
        assertThatThrownBy(() -> CniConfigTemplate.conflist("w", "0.2.0", null, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.2.0");
    }

    @Test
    void commandPrintsOrWritesAtomically(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int rc = new picocli.CommandLine(new CniConfigCommand()).execute("--run-dir", "/run/weft");
            assertThat(rc).isZero();
            assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo(CniConfigTemplate.defaultConflist());
            rc = new picocli.CommandLine(new CniConfigCommand())
                    .execute("--run-dir", "/var/run/w2", "--cni-conf-dir", tmp.toString(), "--write", "--no-portmap");
            assertThat(rc).isZero();
            String written = java.nio.file.Files.readString(tmp.resolve(CniConfigTemplate.FILE_NAME));
            assertThat(written)
                    .contains("\"agentSocket\": \"/var/run/w2/cni.sock\"")
                    .doesNotContain("portmap");
            assertThat(new picocli.CommandLine(new CniConfigCommand()).execute("--cni-version", "0.1.0"))
                    .isEqualTo(2);
        } finally {
            System.setOut(old);
        }
        try (var files = java.nio.file.Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactly(CniConfigTemplate.FILE_NAME);
        }
    }
}
