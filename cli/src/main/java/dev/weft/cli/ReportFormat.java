package dev.weft.cli;

import java.util.List;
import java.util.Map;

/**
 * Renders the agent's report (the JSON of {@code weft report --json}) as the human views of {@code weft status}.
 * Pure: map in, text out, so each view is unit-tested.
 */
public final class ReportFormat {
    private ReportFormat() {}

    /** Whether {@code view} names one of the views of {@code weft status}. */
    public static boolean isView(String view) {
        return switch (view) {
            case "summary", "peers", "connections", "ipam", "routes" -> true;
            default -> false;
        };
    }

    /** The error for a view that is not one. */
    public static String unknownView(String view) {
        return "weft status: unknown view '" + view + "'; allowed: summary, peers, connections, ipam, routes";
    }

    /** One view of the report ({@link #isView} must hold). */
    public static String view(String view, Map<String, Object> r) {
        return switch (view) {
            case "summary" -> summary(r);
            case "peers" -> peers(r);
            case "connections" -> connections(r);
            case "ipam" -> ipam(r);
            case "routes" -> routes(r);
            default -> throw new IllegalArgumentException(unknownView(view));
        };
    }

    public static String summary(Map<String, Object> r) {
        Map<String, Object> peer = map(r, "peer");
        Map<String, Object> cluster = map(r, "cluster");
        Map<String, Object> enc = map(r, "encryption");
        Map<String, Object> ipam = map(r, "ipam");
        Map<String, Object> dp = map(r, "datapath");
        List<Map<String, Object>> peers = list(r, "peers");
        long alive = peers.stream().filter(p -> "alive".equals(p.get("state"))).count();
        long suspect =
                peers.stream().filter(p -> "suspect".equals(p.get("state"))).count();
        long dead = peers.stream().filter(p -> "dead".equals(p.get("state"))).count();
        StringBuilder sb = new StringBuilder();
        kv(sb, "Version", str(r, "version"));
        kv(
                sb,
                "Peer",
                str(peer, "nickname") + " (" + str(peer, "id") + ", incarnation " + str(peer, "incarnation") + ")");
        kv(
                sb,
                "Cluster",
                str(cluster, "name") + ", range " + str(cluster, "range") + ", block " + str(cluster, "blockSize")
                        + (cluster.containsKey("rangeV6")
                                ? "; IPv6 range " + str(cluster, "rangeV6") + ", block " + str(cluster, "blockSizeV6")
                                : ""));
        kv(
                sb,
                "Encryption",
                Boolean.TRUE.equals(enc.get("enabled"))
                        ? "enabled" + (Boolean.TRUE.equals(enc.get("required")) ? " (required)" : "")
                                + (Boolean.TRUE.equals(enc.get("podTraffic"))
                                        ? ", pod traffic in the encrypted sleeve"
                                        : "")
                        : "DISABLED (--encryption=disabled: gossip is only bound to the cluster name, not secret)");
        Map<String, Object> identity = map(r, "identity");
        if (!identity.isEmpty()) kv(sb, "Identity", identity(identity));
        kv(sb, "Status", Boolean.TRUE.equals(r.get("ready")) ? "ready" : "NOT READY");
        for (Object p : list(r, "readinessProblems")) kv(sb, "", "- " + p);
        kv(sb, "Peers", peers.size() + " known: " + alive + " alive, " + suspect + " suspect, " + dead + " dead");
        kv(sb, "IPAM", ipamLine(ipam));
        Map<String, Object> ipamV6 = r.containsKey("ipamV6") ? map(r, "ipamV6") : null;
        if (ipamV6 != null) kv(sb, "IPAM (IPv6)", ipamLine(ipamV6));
        kv(
                sb,
                "Datapath",
                str(dp, "mode") + " on " + str(dp, "device") + " (VNI " + str(dp, "vni") + ", UDP " + str(dp, "port")
                        + ", pod MTU " + str(dp, "mtu") + "), " + str(dp, "routes") + " routes, " + str(dp, "repairs")
                        + " repairs");
        for (Object w : list(ipam, "warnings")) kv(sb, "Warning", String.valueOf(w));
        for (Object w : list(dp, "problems")) kv(sb, "Warning", "datapath: " + w);
        if (ipamV6 != null) for (Object w : list(ipamV6, "warnings")) kv(sb, "Warning", "IPv6: " + w);
        for (Object w : list(r, "warnings")) kv(sb, "Warning", String.valueOf(w));
        return sb.toString();
    }

    /** One family's line of the summary: what this node owns and uses, and the cluster's range and fill. */
    private static String ipamLine(Map<String, Object> ipam) {
        return str(ipam, "owned") + " addresses owned here, " + str(ipam, "allocated") + " in use; " + rangeLabel(ipam)
                + " " + str(ipam, "range") + " " + str(ipam, "status") + clusterFill(map(ipam, "cluster"));
    }

    /** In podCIDR mode a node's IPAM range is its own podCIDR, not the cluster's range. */
    private static String rangeLabel(Map<String, Object> ipam) {
        return Boolean.TRUE.equals(ipam.get("podCidrMode")) ? "this node's podCIDR" : "cluster";
    }

    /** The report's {@code identity}: this node's kind of peer id and whether legacy ids are refused. */
    public static String identity(Map<String, Object> id) {
        return (Boolean.TRUE.equals(id.get("selfCertifying"))
                        ? "self-certifying peer id"
                        : "LEGACY peer id (other nodes trust its key on first sight)")
                + (Boolean.TRUE.equals(id.get("legacyIdsRefused"))
                        ? "; legacy peer ids refused (--require-self-certifying-ids)"
                        : "; legacy peer ids accepted, trusted on first sight");
    }

    /** ", 61 of 64 addresses in use (95 %)" when the report has the cluster's fill. */
    public static String clusterFill(Map<String, Object> c) {
        if (c.get("total") == null || "no-ring".equals(c.get("verdict"))) return "";
        return ", " + str(c, "used") + " of " + str(c, "total") + " addresses in use (" + str(c, "percentUsed") + " %)";
    }

    public static String peers(Map<String, Object> r) {
        return listTable(
                r,
                "peers",
                List.of("PEER", "NICKNAME", "STATE", "ADDRESS", "INCARNATION", "LAST SEEN"),
                List.of("id", "nickname", "state", "address", "incarnation", LAST_SEEN));
    }

    public static String connections(Map<String, Object> r) {
        return listTable(
                r,
                "connections",
                List.of("PEER", "NICKNAME", "ADDRESS", "DATAPATH", "HEALTH", "LAST SEEN"),
                List.of("peer", "nickname", "address", "mode", "health", LAST_SEEN));
    }

    /** Every family's ring: the primary one, then the IPv6 ring of a dual-stack node. */
    public static String ipam(Map<String, Object> r) {
        String out = ipamFamily(map(r, "ipam"));
        return r.containsKey("ipamV6") ? out + "\n" + ipamFamily(map(r, "ipamV6")) : out;
    }

    private static String ipamFamily(Map<String, Object> ipam) {
        Table t = new Table("OWNER", "NICKNAME", "ADDRESSES", "% OF RANGE", "FREE", "REACHABLE", "RANGES");
        for (Map<String, Object> o : ReportFormat.<Map<String, Object>>list(ipam, "owners")) {
            List<Object> ranges = listOf(o.get("ranges"));
            String shown = ranges.size() <= 3
                    ? join(ranges)
                    : join(ranges.subList(0, 3)) + " (+" + (ranges.size() - 3) + " more)";
            t.row(
                    o.get("peer"),
                    o.get("nickname"),
                    o.get("size"),
                    String.format("%.1f%%", num(o.get("percent"))),
                    o.get("free"),
                    Boolean.TRUE.equals(o.get("reachable")) ? "yes" : "NO",
                    shown);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(Boolean.TRUE.equals(ipam.get("podCidrMode")) ? "podCIDR " : "Range ")
                .append(str(ipam, "range"))
                .append(": ")
                .append(str(ipam, "status"))
                .append(clusterFill(map(ipam, "cluster")))
                .append('\n');
        sb.append(t.render());
        for (Object w : list(ipam, "warnings")) sb.append("Warning: ").append(w).append('\n');
        return sb.toString();
    }

    public static String routes(Map<String, Object> r) {
        return listTable(
                r,
                "routes",
                List.of("DESTINATION", "VIA", "DEVICE", "PEER", "MODE"),
                List.of("destination", "via", "device", "peer", "mode"));
    }

    /** The report field given as seconds, shown as "12s ago". */
    private static final String LAST_SEEN = "lastSeenSecondsAgo";

    /** A table of the report's list {@code key}: one row per element, one column per field. */
    private static String listTable(Map<String, Object> r, String key, List<String> headers, List<String> fields) {
        Table t = new Table(headers.toArray(String[]::new));
        for (Map<String, Object> x : ReportFormat.<Map<String, Object>>list(r, key)) {
            t.row(fields.stream()
                    .map(f -> f.equals(LAST_SEEN) ? ago(x.get(f)) : x.get(f))
                    .toArray());
        }
        return t.render();
    }

    private static void kv(StringBuilder sb, String k, String v) {
        sb.append(String.format("%12s  %s%n", k.isEmpty() ? "" : k + ":", v));
    }

    private static String ago(Object secs) {
        if (secs == null) return "-";
        double s = num(secs);
        if (s < 0) return "-";
        if (s < 120) return Math.round(s) + "s ago";
        if (s < 7200) return Math.round(s / 60) + "m ago";
        return Math.round(s / 3600) + "h ago";
    }

    private static String join(List<Object> l) {
        return String.join(",", l.stream().map(String::valueOf).toList());
    }

    public static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Map<String, Object> m, String k) {
        Object o = m.get(k);
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    @SuppressWarnings("unchecked")
    public static <T> List<T> list(Map<String, Object> m, String k) {
        Object o = m.get(k);
        return o instanceof List ? (List<T>) o : List.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listOf(Object o) {
        return o instanceof List ? (List<Object>) o : List.of();
    }

    public static String str(Map<String, Object> m, String k) {
        Object o = m.get(k);
        if (o == null) return "-";
        if (o instanceof Double d && d == Math.rint(d)) return Long.toString(d.longValue());
        return String.valueOf(o);
    }
}
