package dev.weft.e2e.arch;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The allowed dependency directions between Weft modules (DESIGN.md section 1).
 * Keys are module directories; each maps to the Weft modules its main code may use
 * (its own module is always allowed).
 */
final class ModuleRules {
    static final String E2E = "e2e";

    /** Module directory -> Java package segment under {@code dev.weft}. */
    static final Map<String, String> PACKAGE_OF_MODULE = Map.of(
            "id",
            "id",
            "ipam",
            "ipam",
            "gossip",
            "gossip",
            "datapath",
            "datapath",
            "cni-shim",
            "cni",
            "cli",
            "cli",
            "k8s",
            "k8s",
            "agent",
            "agent",
            E2E,
            "e2e");

    /** Module directory -> modules its main code may depend on. */
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "id",
            Set.of(),
            "ipam",
            Set.of("id"),
            "gossip",
            Set.of("id"),
            "datapath",
            Set.of("id", "ipam"),
            "cni-shim",
            Set.of(),
            "cli",
            Set.of("cni-shim"),
            "k8s",
            Set.of("id", "ipam"),
            "agent",
            Set.of("id", "ipam", "gossip", "datapath", "cni-shim", "cli", "k8s"),
            E2E,
            Set.of("id", "ipam", "gossip", "datapath", "cni-shim", "cli", "k8s", "agent"));

    private ModuleRules() {}

    static Optional<String> moduleOfPackage(String segment) {
        return PACKAGE_OF_MODULE.entrySet().stream()
                .filter(e -> e.getValue().equals(segment))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /** Maven artifactId of a module directory, e.g. {@code cni-shim -> weft-cni-shim}. */
    static String artifactOf(String module) {
        return "weft-" + module;
    }

    static Optional<String> moduleOfArtifact(String artifactId) {
        return ALLOWED.keySet().stream()
                .filter(m -> artifactOf(m).equals(artifactId))
                .findFirst();
    }

    static boolean mayUse(String fromModule, String toModule) {
        return fromModule.equals(toModule)
                || ALLOWED.getOrDefault(fromModule, Set.of()).contains(toModule);
    }
}
