package dev.weft.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** What the cni-shim build ships in target/cni-bin is complete and consistent. */
class PluginBuildTest {

    @Test
    void theAotCacheIsUsableWithTheLaunchersRuntimeAndFlags() throws Exception {
        Path bin = PluginProcess.cniBinDir();
        List<String> flags = launcherFlags(Files.readString(bin.resolve("weft")));
        assertThat(flags).contains("-Xint", "-XX:+UseSerialGC", "-Xmx32m");
        // AOTMode=on makes the JVM fail instead of silently ignoring a cache it cannot use.
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.resolve("weft-jre/bin/java").toString());
        cmd.addAll(flags);
        cmd.addAll(List.of(
                "-XX:AOTMode=on",
                "-XX:AOTCache=" + bin.resolve("weft-cni.aot"),
                "-cp",
                bin.resolve("weft-cni.jar").toString(),
                "dev.weft.cni.ShimMain"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("CNI_COMMAND", "VERSION");
        Process p = pb.start();
        p.getOutputStream().write("{\"cniVersion\":\"1.1.0\"}".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("{\"cniVersion\":\"1.1.0\",\"supportedVersions\"");
    }

    /** The JVM flags of the launcher's {@code exec "$java" ... $aot -cp ...} line (continuations joined). */
    static List<String> launcherFlags(String launcher) {
        String joined = launcher.replace("\\\n", " ");
        int exec = joined.indexOf("exec \"$java\"");
        assertThat(exec).as("the launcher execs \"$java\"").isNotNegative();
        String line = joined.substring(exec + "exec \"$java\"".length(), joined.indexOf('\n', exec));
        int aot = line.indexOf("$aot");
        assertThat(aot).as("the launcher passes $aot").isPositive();
        List<String> flags = new ArrayList<>();
        for (String w : line.substring(0, aot).trim().split("\\s+")) {
            if (!w.isEmpty()) flags.add(w);
        }
        return flags;
    }

    @Test
    void thePluginJarIsJdkOnly() throws Exception {
        try (ZipFile z =
                new ZipFile(PluginProcess.cniBinDir().resolve("weft-cni.jar").toFile())) {
            List<String> names = z.stream()
                    .map(e -> e.getName())
                    .filter(n -> n.endsWith(".class"))
                    .toList();
            assertThat(names).contains("dev/weft/cni/ShimMain.class", "dev/weft/cni/ShimWire.class");
            assertThat(names).noneMatch(n -> n.startsWith("com/google/") || n.startsWith("dev/weft/cni/proto/"));
        }
    }

    @Test
    void theLauncherWritesOnlyTheResultToStdout() throws Exception {
        PluginProcess.Outcome o = PluginProcess.run(
                null,
                PluginProcess.cniBinDir().resolve("weft"),
                Map.of("CNI_COMMAND", "VERSION"),
                "{\"cniVersion\":\"0.4.0\"}");
        assertThat(o.exit()).isZero();
        assertThat(o.json().get("cniVersion")).isEqualTo("0.4.0");
        assertThat(o.stderr()).isEmpty();
    }
}
