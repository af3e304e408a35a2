package dev.weft.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Teardown always runs and 'lab down' removes what crashed runs left behind. */
@Tag("kernel")
class LabTeardownTest {

    @Test
    void teardownRemovesEverythingWhenTheTestBodyThrows() {
        List<String> seen = new ArrayList<>();
        long[] pids = new long[2];
        assertThatThrownBy(() -> {
                    try (Lab lab = Lab.builder()
                            .nodes(2)
                            .stopGrace(Duration.ofMillis(300))
                            .start()) {
                        seen.add(lab.runId());
                        pids[0] = lab.node(1)
                                .start("sleeper", List.of("sleep", "600"))
                                .pid();
                        // A process the lab did not start itself, left running in the background of a node.
                        lab.node(2)
                                .exec("sh", "-c", "setsid sleep 601 >/dev/null 2>&1 < /dev/null &")
                                .orThrow();
                        pids[1] = await("background sleep")
                                .atMost(Duration.ofSeconds(5))
                                .until(
                                        () -> Netns.pids(lab.node(2).namespace()).stream()
                                                .findFirst(),
                                        java.util.Optional::isPresent)
                                .get();
                        lab.node(1).createPod("p1");
                        throw new IllegalStateException("test body failed");
                    }
                })
                .hasMessage("test body failed");
        String runId = seen.getFirst();
        assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(runId));
        assertThat(ProcessHandle.of(pids[0]).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
        assertThat(ProcessHandle.of(pids[1]).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
    }

    /** A child JVM holding a lab (see {@link CrashingLabMain}). */
    private record ChildLab(Process jvm, String runId, long sleeperPid) {}

    private static ChildLab startChildLab() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java,
                        "-Xmx64m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashingLabMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
            // skip anything else the child prints
        }
        if (line == null) {
            child.destroyForcibly();
            throw new AssertionError("child lab JVM exited without reporting READY");
        }
        String[] f = line.split(" ");
        return new ChildLab(child, f[1], Long.parseLong(f[2]));
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void sigtermToTheJvmRunsTheTeardownHook() throws Exception {
        ChildLab c = startChildLab();
        try {
            assertThat(Netns.list()).contains(c.runId() + "-n1");
            assertThat(alive(c.sleeperPid())).isTrue();
            c.jvm().destroy(); // SIGTERM: the JVM exits and runs its shutdown hooks
            assertThat(c.jvm().waitFor(15, TimeUnit.SECONDS)).isTrue();
            assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(c.runId()));
            assertThat(alive(c.sleeperPid())).isFalse();
            assertThat(Files.exists(Lab.defaultRoot().resolve(c.runId()).resolve("state")))
                    .isFalse();
        } finally {
            c.jvm().destroyForcibly();
            new LabCleaner(Lab.defaultRoot()).remove(c.runId());
        }
    }

    @Test
    void downRemovesACrashedRunButNotALiveOne() throws Exception {
        ChildLab c = startChildLab();
        Process child = c.jvm();
        String runId = c.runId();
        long sleeper = c.sleeperPid();
        try {
            String id = runId;
            LabCleaner cleaner = new LabCleaner(Lab.defaultRoot());

            // While its JVM lives the run is in use: a plain 'down' leaves it alone.
            assertThat(cleaner.runs()).anyMatch(r -> r.runId().equals(id) && r.inUse());
            LabCleaner.DownResult kept = cleaner.down(false, id::equals);
            assertThat(kept.removed()).isEmpty();
            assertThat(kept.skippedInUse()).containsExactly(id);
            assertThat(Netns.list()).contains(id + "-n1");

            child.destroyForcibly(); // SIGKILL: no shutdown hook, no teardown
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false))
                    .as("the crashed run left its process behind")
                    .isTrue();
            assertThat(cleaner.runs()).anyMatch(r -> r.runId().equals(id) && !r.inUse());

            assertThat(cleaner.down(false, id::equals).removed()).containsExactly(id);
            assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(id));
            long s = sleeper;
            await("leftover process to die")
                    .atMost(Duration.ofSeconds(5))
                    .until(() ->
                            !ProcessHandle.of(s).map(ProcessHandle::isAlive).orElse(false));
            assertThat(Files.exists(Lab.defaultRoot().resolve(id).resolve("state")))
                    .isFalse();
        } finally {
            child.destroyForcibly();
            new LabCleaner(Lab.defaultRoot()).remove(runId);
        }
    }

    @Test
    void downRemovesLabNamespacesThatHaveNoStateFile(@TempDir Path root) throws Exception {
        String runId = LabNames.newRunId(new SecureRandom());
        String ns = runId + "-n1";
        Process sleeper = null;
        try {
            Cmd.check("ip", "netns", "add", ns);
            sleeper = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "600").start();
            Process s = sleeper;
            await("sleeper in " + ns)
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> Netns.pids(ns).contains(s.pid()));
            LabCleaner cleaner = new LabCleaner(root);
            assertThat(cleaner.runs()).anyMatch(r -> r.runId().equals(runId) && !r.hasStateFile());
            assertThat(cleaner.down(false, runId::equals).removed()).containsExactly(runId);
            assertThat(Netns.exists(ns)).isFalse();
            assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (sleeper != null) {
                sleeper.destroyForcibly();
            }
            Netns.delete(ns);
        }
    }

    @Test
    void cliUpFaultExecStatusDown(@TempDir Path root) {
        String runId = null;
        try {
            Cli up = cli(root, "up", "--nodes", "2", "--start", "echo hello {node} {address} {seeds}; exec sleep 600");
            assertThat(up.code).as(up.out + up.err).isZero();
            assertThat(up.out)
                    .contains("all nodes reach each other")
                    .contains("192.0.2.12/24")
                    .contains("ip netns exec ");
            Matcher m = Pattern.compile("lab (wftlab[0-9a-f]{6}) is up").matcher(up.out);
            assertThat(m.find()).isTrue();
            runId = m.group(1);
            Lab attached = Lab.attach(root, runId);
            assertThat(attached.processes()).hasSize(2);
            LabProcess started = attached.processes().getFirst();
            assertThat(started.awaitLine("hello", Duration.ofSeconds(5)))
                    .isEqualTo("hello n1 192.0.2.11 192.0.2.11,192.0.2.12");

            Cli fault = cli(root, "fault", "n1", "partition");
            assertThat(fault.code).as(fault.err).isZero();
            assertThat(fault.out).contains("partition from 192.0.2.12");
            assertThat(cli(root, "exec", "n1", "--", "ping", "-c1", "-W1", "192.0.2.12").code)
                    .isNotZero();
            Cli status = cli(root, "status");
            assertThat(status.out)
                    .contains(runId)
                    .contains("made by 'weft lab up'")
                    .contains("faults=wftlab_n1_part")
                    .contains("process start@" + runId + "-n2");
            assertThat(cli(root, "fault", "n1", "clear").code).isZero();
            assertThat(cli(root, "exec", "n1", "--", "ping", "-c1", "-W1", "192.0.2.12").code)
                    .isZero();

            Cli bad = cli(root, "fault", "n7", "clear");
            assertThat(bad.code).isEqualTo(1);
            assertThat(bad.err).contains("no node 'n7'");

            Cli down = cli(root, "down", runId);
            assertThat(down.code).isZero();
            assertThat(down.out).contains("removed " + runId);
            assertThat(started.isAlive()).isFalse();
            String id = runId;
            assertThat(Netns.list()).noneMatch(ns -> ns.startsWith(id));
        } finally {
            if (runId != null) {
                new LabCleaner(root).remove(runId);
            }
        }
    }

    private record Cli(int code, String out, String err) {}

    private static Cli cli(Path root, String... args) {
        CommandLine cl = LabMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("--dir", root.toString()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        return new Cli(code, out.toString(), err.toString());
    }
}
