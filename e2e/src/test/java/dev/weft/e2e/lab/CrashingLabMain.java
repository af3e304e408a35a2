package dev.weft.e2e.lab;

import java.io.IOException;
import java.util.List;

/**
 * Test helper: a JVM that builds a lab, starts a process in it, reports, then blocks until it is
 * killed with SIGKILL (so its teardown never runs) - a crashed test run.
 */
public final class CrashingLabMain {
    private CrashingLabMain() {}

    public static void main(String[] args) throws IOException {
        Lab lab = Lab.builder().nodes(2).start();
        LabProcess p = lab.node(1).start("sleeper", List.of("sleep", "600"));
        System.out.println("READY " + lab.runId() + " " + p.pid());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for SIGKILL
        }
    }
}
