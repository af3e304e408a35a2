package dev.weft.agent;

/** The Weft version, from the jar manifest (set by the build) or "dev" when run from classes. */
public final class Version {
    private Version() {}

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-dev";
    }
}
