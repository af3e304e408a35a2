package dev.weft.agent.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A comma-separated list of at most one IPv4 and one IPv6 CIDR ({@code --cluster-range}, {@code --pod-cidr}): the
 * primary range is the IPv4 one when there is one (it keeps the ring channel, topics and state file of a
 * single-stack cluster, so single-stack IPv4 peers interoperate), else the IPv6 one; {@code v6} is the IPv6 range
 * of a dual-stack list (null otherwise).
 *
 * @param primary the IPv4 range, or the IPv6 range of a single-stack IPv6 list
 * @param v6 the IPv6 range of a dual-stack list, else null
 */
public record ClusterRanges(String primary, String v6) {

    /** Parses {@code text}; returns null and adds what is wrong to {@code bad} (naming {@code option}). */
    static ClusterRanges parse(String option, String text, String example, List<String> bad) {
        List<String> parts = new ArrayList<>();
        for (String p : text.split(",")) if (!p.isBlank()) parts.add(p.trim());
        if (parts.isEmpty() || parts.size() > 2) {
            bad.add(OptionChecks.problem(option, text, "one CIDR or one IPv4 and one IPv6 CIDR such as " + example));
            return null;
        }
        String v4 = null;
        String v6 = null;
        for (String p : parts) {
            String problem = CidrCheck.problem(p);
            if (problem != null) {
                bad.add(OptionChecks.problem(option, p, "a CIDR such as " + example + " (" + problem + ")"));
                return null;
            }
            boolean isV6 = p.contains(":");
            if (isV6 ? v6 != null : v4 != null) {
                bad.add(OptionChecks.problem(
                        option,
                        text,
                        "at most one CIDR per address family (one IPv4 and one IPv6) such as " + example));
                return null;
            }
            if (isV6) v6 = p;
            else v4 = p;
        }
        return v4 == null ? new ClusterRanges(v6, null) : new ClusterRanges(v4, v6);
    }

    /** True when the primary range is IPv6 (a single-stack IPv6 cluster). */
    public boolean primaryIsV6() {
        return primary.contains(":");
    }

    public boolean dualStack() {
        return v6 != null;
    }
}
