package dev.weft.agent.cni;

import dev.weft.cni.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test-only: runs a CNI plugin executable exactly as a runtime does (CNI_* environment, config on stdin,
 * result on stdout), inside the "node" namespace so that the node stands for the host.
 */
final class PluginProcess {

    /** The built plugin dir of the cni-shim module (launcher {@code weft}, jar, AOT cache). */
    static Path cniBinDir() {
        String prop = System.getProperty("weft.cni.bin");
        Path p = prop != null
                ? Path.of(prop)
                : Files.isDirectory(Path.of("cni-shim"))
                        ? Path.of("cni-shim", "target", "cni-bin").toAbsolutePath()
                        : Path.of("..", "cni-shim", "target", "cni-bin")
                                .toAbsolutePath()
                                .normalize();
        if (!Files.isExecutable(p.resolve("weft")) || !Files.isRegularFile(p.resolve("weft-cni.jar"))) {
            throw new IllegalStateException(
                    "the weft plugin is not built at " + p + "; build cni-shim first (mvn -pl agent -am verify does)");
        }
        return p;
    }

    record Outcome(int exit, String stdout, String stderr) {
        Map<String, Object> json() throws Exception {
            return Json.parseObject(stdout);
        }

        long code() throws Exception {
            return (Long) json().get("code");
        }
    }

    static Outcome run(String nodeNs, Path plugin, Map<String, String> env, String stdin)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (nodeNs != null) cmd.addAll(List.of("ip", "netns", "exec", nodeNs));
        cmd.add(plugin.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("CNI_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] err;
        byte[] out = p.getInputStream().readAllBytes();
        err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(plugin + " did not finish");
        }
        return new Outcome(
                p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static Map<String, String> env(String command, String containerId, String netns, String ifName) {
        Map<String, String> m = new java.util.HashMap<>();
        m.put("CNI_COMMAND", command);
        if (containerId != null) m.put("CNI_CONTAINERID", containerId);
        if (netns != null) m.put("CNI_NETNS", netns);
        if (ifName != null) m.put("CNI_IFNAME", ifName);
        m.put("CNI_PATH", "/usr/lib/cni");
        m.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=test;K8S_POD_NAME=" + containerId);
        return m;
    }
}
