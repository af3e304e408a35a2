package dev.weft.agent;

import picocli.CommandLine.Command;

/** {@code weft version}: prints the version, the Java runtime and the OS. */
@Command(name = "version", description = "Print the Weft version and runtime.")
final class VersionCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("weft " + Version.get());
        System.out.println("java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        System.out.println("os   " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
    }
}
