package dev.weft.e2e.lab;

/** Entry point of {@code weft lab ...} (placeholder until the lab harness lands). */
public final class LabMain {
    public static void main(String[] args) {
        System.err.println("weft lab: not built yet");
        System.exit(2);
    }
}
