package dev.weft.k8s;

import dev.weft.k8s.discovery.AddressPreference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of the Kubernetes integration, immutable and validated.
 *
 * @param nodeName             the Node this agent runs on ({@code WEFT_NODE_NAME}, from the downward API)
 * @param namespace            namespace of the lock objects ({@code WEFT_NAMESPACE}, default {@code weft})
 * @param addressPreference    which Node address becomes the peer's underlay address
 *                             ({@code WEFT_NODE_ADDRESS_PREFERENCE}, default {@code internal-first})
 * @param resyncPeriod         informer resync period ({@code WEFT_NODE_RESYNC}, default 10 minutes; zero disables)
 * @param bootstrapName        name of the ring bootstrap ConfigMap ({@code WEFT_BOOTSTRAP_NAME}, default
 *                             {@code weft-ring-bootstrap})
 * @param reclaimClaimTimeout  how long a reclaim claim that was never completed blocks others
 *                             ({@code WEFT_RECLAIM_CLAIM_TIMEOUT}, default 2 minutes)
 * @param reclaimRetention     how long a completed reclaim record is kept before cleanup
 *                             ({@code WEFT_RECLAIM_RETENTION}, default 24 hours)
 */
public record K8sConfig(
        String nodeName,
        String namespace,
        AddressPreference addressPreference,
        Duration resyncPeriod,
        String bootstrapName,
        Duration reclaimClaimTimeout,
        Duration reclaimRetention) {

    public static final String DEFAULT_NAMESPACE = "weft";
    public static final String DEFAULT_BOOTSTRAP_NAME = "weft-ring-bootstrap";
    public static final Duration DEFAULT_RESYNC = Duration.ofMinutes(10);
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

    /** RFC 1123 DNS subdomain, as Kubernetes requires for Node and object names. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** RFC 1123 DNS label, as Kubernetes requires for namespaces. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    public K8sConfig {
        List<String> problems = new ArrayList<>();
        if (nodeName == null
                || nodeName.length() > 253
                || !DNS_SUBDOMAIN.matcher(nodeName).matches()) {
            problems.add("node name (WEFT_NODE_NAME) must be the Kubernetes Node name (a DNS subdomain), got '"
                    + nodeName + "'; the DaemonSet sets it from spec.nodeName");
        }
        if (namespace == null
                || namespace.length() > 63
                || !DNS_LABEL.matcher(namespace).matches()) {
            problems.add("namespace (WEFT_NAMESPACE) must be a DNS label, got '" + namespace + "'");
        }
        if (bootstrapName == null
                || bootstrapName.length() > 253
                || !DNS_SUBDOMAIN.matcher(bootstrapName).matches()) {
            problems.add(
                    "bootstrap object name (WEFT_BOOTSTRAP_NAME) must be a DNS subdomain, got '" + bootstrapName + "'");
        }
        Objects.requireNonNull(addressPreference, "addressPreference");
        if (resyncPeriod == null || resyncPeriod.isNegative()) {
            problems.add("resync period (WEFT_NODE_RESYNC) must be zero or positive, got " + resyncPeriod);
        }
        if (reclaimClaimTimeout == null
                || reclaimClaimTimeout.toSeconds() < 1
                || reclaimClaimTimeout.toSeconds() > Integer.MAX_VALUE) {
            problems.add("reclaim claim timeout (WEFT_RECLAIM_CLAIM_TIMEOUT) must be at least 1s, got "
                    + reclaimClaimTimeout);
        }
        if (reclaimRetention == null || reclaimRetention.isNegative()) {
            problems.add(
                    "reclaim retention (WEFT_RECLAIM_RETENTION) must be zero or positive, got " + reclaimRetention);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Kubernetes settings: " + String.join("; ", problems));
        }
    }

    /** Defaults for everything but the node name. */
    public static K8sConfig defaults(String nodeName) {
        return new K8sConfig(
                nodeName,
                DEFAULT_NAMESPACE,
                AddressPreference.INTERNAL_FIRST,
                DEFAULT_RESYNC,
                DEFAULT_BOOTSTRAP_NAME,
                DEFAULT_CLAIM_TIMEOUT,
                DEFAULT_RETENTION);
    }

    /**
     * Reads the {@code WEFT_*} variables listed on the components; unset ones take their defaults.
     * Durations are ISO-8601 ({@code PT2M}) or a number with a unit suffix ({@code 30s}, {@code 2m}, {@code 24h}).
     *
     * @throws IllegalArgumentException naming every bad variable
     */
    public static K8sConfig fromEnvironment(Map<String, String> env) {
        return new K8sConfig(
                env.get("WEFT_NODE_NAME"),
                env.getOrDefault("WEFT_NAMESPACE", DEFAULT_NAMESPACE),
                AddressPreference.parse(env.getOrDefault("WEFT_NODE_ADDRESS_PREFERENCE", "internal-first")),
                duration(env, "WEFT_NODE_RESYNC", DEFAULT_RESYNC),
                env.getOrDefault("WEFT_BOOTSTRAP_NAME", DEFAULT_BOOTSTRAP_NAME),
                duration(env, "WEFT_RECLAIM_CLAIM_TIMEOUT", DEFAULT_CLAIM_TIMEOUT),
                duration(env, "WEFT_RECLAIM_RETENTION", DEFAULT_RETENTION));
    }

    public K8sConfig withNodeName(String name) {
        return new K8sConfig(
                name, namespace, addressPreference, resyncPeriod, bootstrapName, reclaimClaimTimeout, reclaimRetention);
    }

    public K8sConfig withAddressPreference(AddressPreference p) {
        return new K8sConfig(
                nodeName, namespace, p, resyncPeriod, bootstrapName, reclaimClaimTimeout, reclaimRetention);
    }

    public K8sConfig withReclaimClaimTimeout(Duration d) {
        return new K8sConfig(nodeName, namespace, addressPreference, resyncPeriod, bootstrapName, d, reclaimRetention);
    }

    static Duration duration(Map<String, String> env, String name, Duration dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            return parseDuration(v.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not a duration; use e.g. 30s, 2m, 24h or PT2M");
        }
    }

    static Duration parseDuration(String v) {
        String s = v.toLowerCase(Locale.ROOT);
        if (s.startsWith("pt") || s.startsWith("p")) return Duration.parse(v.toUpperCase(Locale.ROOT));
        char unit = s.charAt(s.length() - 1);
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("unknown unit " + unit);
        };
    }
}
