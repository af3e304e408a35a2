package dev.weft.e2e.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * Command lines that run a Java main class with this JVM's {@code java} binary and class path, e.g.
 * a Weft agent inside a node: {@code node.start("agent", JvmCommand.of("dev.weft.agent.Main", "agent", ...))}.
 * From tests the class path is the test class path; from {@code weft lab} it is the lab jar, which
 * contains the agent.
 */
public final class JvmCommand {
    /** Flags every Weft JVM needs (FFM netlink; quiet Unsafe warnings) and a small footprint. */
    public static final List<String> DEFAULT_FLAGS = List.of(
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private JvmCommand() {}

    public static List<String> of(String mainClass, String... args) {
        return of(DEFAULT_FLAGS, mainClass, List.of(args));
    }

    public static List<String> of(List<String> jvmFlags, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** The {@code java} binary running this JVM. */
    public static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseThrow(() -> new LabException("cannot tell which java binary runs this JVM"));
    }
}
