package dev.weft.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test-side handle on the real cluster made by {@code k8s/cluster/cluster.sh}: runs its scripts and
 * kubectl (in the control-plane namespace) and parses kubectl's JSON. One cluster per JVM.
 */
final class LocalCluster {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Outcome of one command. */
    record Result(List<String> command, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        Result orThrow() {
            if (!ok()) {
                throw new AssertionError("command failed (exit " + exit + "): " + String.join(" ", command)
                        + "\n--- stdout\n" + tail(out) + "\n--- stderr\n" + tail(err));
            }
            return this;
        }

        private static String tail(String s) {
            return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
        }
    }

    private final Path repo;
    private final Path scripts;

    LocalCluster(Path repo) {
        this.repo = repo;
        this.scripts = repo.resolve("k8s/cluster");
    }

    /** The repository root: the e2e module's parent (Maven runs tests in the module directory). */
    static Path findRepo() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isRegularFile(q.resolve("k8s/cluster/cluster.sh"))) {
                return q;
            }
        }
        throw new IllegalStateException("k8s/cluster/cluster.sh not found above " + p);
    }

    Path repo() {
        return repo;
    }

    Result script(Duration timeout, String name, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(scripts.resolve(name).toString());
        cmd.addAll(List.of(args));
        return run(cmd, timeout);
    }

    Result kubectl(String... args) {
        return kubectl(Duration.ofSeconds(60), args);
    }

    Result kubectl(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(scripts.resolve("cluster.sh").toString(), "kubectl"));
        cmd.addAll(List.of(args));
        return run(cmd, timeout);
    }

    JsonNode kubectlJson(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("-o", "json"));
        String out = kubectl(a.toArray(String[]::new)).orThrow().out();
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new UncheckedIOException("kubectl " + a + " printed no JSON: " + out, e);
        }
    }

    /** A command in a node's network and mount namespaces (as if run on that machine). */
    Result onNode(String node, Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>(List.of(scripts.resolve("cluster.sh").toString(), "node-exec", node));
        cmd.addAll(List.of(command));
        return run(cmd, timeout);
    }

    /** kubectl exec into a pod. */
    Result exec(String namespace, String pod, String container, Duration timeout, String... command) {
        List<String> a = new ArrayList<>(List.of("-n", namespace, "exec", pod));
        if (container != null) {
            a.addAll(List.of("-c", container));
        }
        a.add("--");
        a.addAll(List.of(command));
        return kubectl(timeout, a.toArray(String[]::new));
    }

    /** Running pods matching a label selector: name -> JSON. */
    Map<String, JsonNode> pods(String namespace, String selector) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (JsonNode p :
                kubectlJson("-n", namespace, "get", "pods", "-l", selector).path("items")) {
            m.put(p.path("metadata").path("name").asText(), p);
        }
        return m;
    }

    static Result run(List<String> command, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("weft-k8s", ".out");
            err = Files.createTempFile("weft-k8s", ".err");
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(
                        List.copyOf(command),
                        -1,
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8) + "\n(timed out after " + timeout + ")");
            }
            return new Result(
                    List.copyOf(command),
                    p.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        } finally {
            for (Path f : new Path[] {out, err}) {
                if (f != null) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException ignored) {
                        // a stray temp file is harmless
                    }
                }
            }
        }
    }
}
