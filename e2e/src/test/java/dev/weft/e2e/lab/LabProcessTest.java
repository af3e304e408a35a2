package dev.weft.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Processes run inside node namespaces, their output is captured, and they can be stopped or hung. */
@Tag("kernel")
class LabProcessTest {
    private static Lab lab;

    @BeforeAll
    static void up() {
        lab = Lab.builder().nodes(2).stopGrace(Duration.ofMillis(500)).start();
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void processRunsInTheNodeAndItsOutputIsCaptured() {
        LabNode n1 = lab.node(1);
        LabProcess p = n1.start(
                "greeter",
                List.of(
                        "bash",
                        "-c",
                        "trap 'echo got-term; exit 0' TERM; ip -4 -o addr show dev eth0; echo to-stderr >&2; "
                                + "echo ready; while true; do sleep 0.05; done"));
        String ready = p.awaitLine("ready", Duration.ofSeconds(5));
        assertThat(ready).isEqualTo("ready");
        assertThat(p.log()).contains(n1.cidr()).contains("to-stderr");
        assertThat(p.logFile()).isEqualTo(lab.runDir().resolve("n1").resolve("greeter.log"));
        assertThat(p.isAlive()).isTrue();
        assertThat(p.stop()).isZero();
        assertThat(p.isAlive()).isFalse();
        assertThat(p.logLines()).contains("got-term");
    }

    @Test
    void processIgnoringSigtermIsKilledAfterTheGraceTime() {
        LabProcess p = lab.node(2)
                .start("stubborn", List.of("bash", "-c", "trap '' TERM; echo up; while true; do sleep 0.05; done"));
        p.awaitLine("up", Duration.ofSeconds(5));
        long t0 = System.nanoTime();
        assertThat(p.stop(Duration.ofMillis(300))).isEqualTo(128 + 9);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(p.isAlive()).isFalse();
    }

    @Test
    void suspendedProcessHangsUntilResumed() {
        LabNode n1 = lab.node(1);
        LabNode n2 = lab.node(2);
        LabProcess probe = n2.start("hung-probe", UdpProbe.command(5600));
        probe.awaitLine("listening", Duration.ofSeconds(10));
        probe.suspend();
        await("probe to be stopped").atMost(Duration.ofSeconds(2)).until(probe::isSuspended);
        UdpProbe.send(n1, n2.address(), 5600, "while-hung");
        assertThatThrownBy(() -> probe.awaitLine("while-hung", Duration.ofMillis(300)))
                .isInstanceOf(LabTimeoutException.class);
        assertThat(probe.isAlive()).isTrue();
        probe.resume();
        probe.awaitLine("5600 while-hung", Duration.ofSeconds(5));
        assertThat(probe.isSuspended()).isFalse();
        // A suspended process still stops on SIGTERM (stop() also sends SIGCONT).
        probe.suspend();
        await("probe to be stopped").atMost(Duration.ofSeconds(2)).until(probe::isSuspended);
        assertThat(probe.stop(Duration.ofSeconds(3))).isEqualTo(128 + 15);
    }

    @Test
    void awaitLineFailsFastWhenTheProcessExits() {
        LabProcess p = lab.node(1).start("quitter", List.of("sh", "-c", "echo bye; exit 3"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> p.awaitLine("never", Duration.ofSeconds(20)))
                .isInstanceOf(LabException.class)
                .isNotInstanceOf(LabTimeoutException.class)
                .hasMessageContaining("exit code 3")
                .hasMessageContaining("bye");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void execReturnsOutputAndExitCode() {
        ExecResult ok = lab.node(2).exec("sh", "-c", "echo out; echo err >&2; exit 0");
        assertThat(ok.ok()).isTrue();
        assertThat(ok.stdout()).isEqualTo("out\n");
        assertThat(ok.stderr()).isEqualTo("err\n");
        ExecResult bad = lab.node(2).exec("sh", "-c", "exit 4");
        assertThat(bad.exitCode()).isEqualTo(4);
        assertThatThrownBy(bad::orThrow).isInstanceOf(LabException.class).hasMessageContaining("exit code 4");
        ExecResult slow = lab.node(2).exec(List.of("sleep", "5"), Duration.ofMillis(200));
        assertThat(slow.timedOut()).isTrue();
    }

    @Test
    void podNamespaceIsCreatedEmptyAndDeletedWithItsProcesses() throws Exception {
        LabNode n1 = lab.node(1);
        LabPod pod = n1.createPod("web");
        assertThat(pod.namespace()).isEqualTo(lab.runId() + "-n1-web");
        assertThat(Netns.exists(pod.namespace())).isTrue();
        String links = pod.exec("ip", "-o", "link", "show").orThrow().stdout();
        assertThat(links.lines()).hasSize(1);
        assertThat(links).contains("lo").contains("UP");
        assertThatThrownBy(() -> n1.createPod("web")).isInstanceOf(LabException.class);
        assertThatThrownBy(() -> n1.createPod("Bad_Name")).isInstanceOf(IllegalArgumentException.class);
        LabProcess inPod = pod.start("sleeper", List.of("sleep", "600"));
        assertThat(Files.exists(lab.runDir().resolve("n1-web"))).isTrue();
        pod.delete();
        assertThat(Netns.exists(pod.namespace())).isFalse();
        await("process in the pod to die").atMost(Duration.ofSeconds(5)).until(() -> !inPod.isAlive());
        assertThat(lab.pods()).isEmpty();
    }
}
