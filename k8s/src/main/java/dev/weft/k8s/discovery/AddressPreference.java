package dev.weft.k8s.discovery;

import java.util.List;
import java.util.Locale;

/** Which of a Node's {@code status.addresses} becomes the peer's underlay address. */
public enum AddressPreference {
    /** InternalIP, falling back to ExternalIP when a node has none (the default). */
    INTERNAL_FIRST(List.of("InternalIP", "ExternalIP")),
    /** ExternalIP, falling back to InternalIP (nodes that reach each other only over public addresses). */
    EXTERNAL_FIRST(List.of("ExternalIP", "InternalIP")),
    /** InternalIP only; a node without one has no usable address. */
    INTERNAL_ONLY(List.of("InternalIP")),
    /** ExternalIP only. */
    EXTERNAL_ONLY(List.of("ExternalIP"));

    private final List<String> types;

    AddressPreference(List<String> types) {
        this.types = types;
    }

    /** NodeAddress types to try, most preferred first. */
    public List<String> addressTypes() {
        return types;
    }

    /** Accepts {@code internal-first}, {@code INTERNAL_FIRST} and the like. */
    public static AddressPreference parse(String s) {
        String norm = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (AddressPreference p : values()) {
            if (p.name().equals(norm)) return p;
        }
        throw new IllegalArgumentException("node address preference '" + s
                + "' is not one of internal-first, external-first, internal-only, external-only");
    }
}
