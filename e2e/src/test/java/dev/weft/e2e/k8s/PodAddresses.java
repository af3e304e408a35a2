package dev.weft.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod's addresses by family ({@code status.podIPs}: one per family on a dual-stack cluster, IPv4 first) and the
 * ping matrix of a set of pods, both families in one {@code kubectl exec} per pod.
 */
final class PodAddresses {
    private PodAddresses() {}

    /** The pod's IPv4 address ({@code status.podIP}: IPv4 is the cluster's primary family). */
    static String v4(JsonNode pod) {
        return pod.path("status").path("podIP").asText();
    }

    /** The pod's IPv6 address from {@code status.podIPs}, or "" if it has none. */
    static String v6(JsonNode pod) {
        for (JsonNode ip : pod.path("status").path("podIPs")) {
            String s = ip.path("ip").asText();
            if (s.contains(":")) {
                return s;
            }
        }
        return "";
    }

    /** Every entry of {@code status.podIPs}. */
    static List<String> all(JsonNode pod) {
        List<String> l = new ArrayList<>();
        pod.path("status").path("podIPs").forEach(ip -> l.add(ip.path("ip").asText()));
        return l;
    }

    /** One family's ping matrix as text, and the failed pairs. */
    record Matrix(String family, String text, List<String> failures) {}

    /**
     * Every pod pings every other pod's IPv4 address and, if {@code ipv6}, its IPv6 address (busybox ping picks the
     * family from the literal); one exec per pod. A pair fails after one ping and a retry of two, 3 s each.
     */
    static List<Matrix> pingMatrices(LocalCluster cluster, Map<String, JsonNode> pods, boolean ipv6) {
        List<String> families = ipv6 ? List.of("IPv4", "IPv6") : List.of("IPv4");
        List<StringBuilder> text = new ArrayList<>();
        List<List<String>> failures = new ArrayList<>();
        for (int f = 0; f < families.size(); f++) {
            text.add(new StringBuilder());
            failures.add(new ArrayList<>());
        }
        for (JsonNode from : pods.values()) {
            StringBuilder script = new StringBuilder();
            int expected = 0;
            for (JsonNode to : pods.values()) {
                if (to == from) {
                    continue;
                }
                for (int f = 0; f < families.size(); f++) {
                    String ip = f == 0 ? v4(to) : v6(to);
                    expected++;
                    script.append("if ping -c 1 -W 3 %1$s >/dev/null 2>&1 || ping -c 2 -W 3 %1$s >/dev/null 2>&1;"
                                    .formatted(ip))
                            .append(" then echo ok %1$s %2$s; else echo FAIL %1$s %2$s; fi; "
                                    .formatted(families.get(f), ip));
                }
            }
            String name = from.path("metadata").path("name").asText();
            LocalCluster.Result r = cluster.exec(
                            "default", name, null, Duration.ofSeconds(120), "sh", "-c", script.toString())
                    .orThrow();
            List<String> lines = r.out()
                    .lines()
                    .filter(l -> l.startsWith("ok ") || l.startsWith("FAIL "))
                    .toList();
            if (lines.size() != expected) {
                throw new AssertionError(
                        "one ping result per other pod and family from " + name + ", got:\n" + r.out());
            }
            for (int f = 0; f < families.size(); f++) {
                String fam = families.get(f);
                String self = f == 0 ? v4(from) : v6(from);
                StringBuilder row = new StringBuilder();
                for (String l : lines) {
                    String[] w = l.split(" ");
                    if (w[1].equals(fam)) {
                        row.append(w[0]).append(' ').append(w[2]).append("  ");
                        if (w[0].equals("FAIL")) {
                            failures.get(f).add(name + " -> " + w[2]);
                        }
                    }
                }
                text.get(f)
                        .append(String.format(
                                "%-28s %-4s %-20s %s%n",
                                name,
                                from.path("spec").path("nodeName").asText(),
                                self,
                                row.toString().strip()));
            }
        }
        List<Matrix> out = new ArrayList<>();
        for (int f = 0; f < families.size(); f++) {
            out.add(new Matrix(families.get(f), text.get(f).toString(), List.copyOf(failures.get(f))));
        }
        return out;
    }
}
