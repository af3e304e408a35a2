package dev.weft.agent.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/** The small checks and parsers {@link AgentOptions} validates with (ports, host:port, peer lists, names). */
public final class OptionChecks {
    private OptionChecks() {}

    static String problem(String option, String value, String allowed) {
        return option + " (env " + ConfigSources.envName(option) + "): '" + value + "' is not valid; allowed: "
                + allowed;
    }

    static void checkPort(List<String> bad, String option, int port) {
        if (port < 1 || port > 65535) bad.add(problem(option, String.valueOf(port), "1..65535"));
    }

    static List<String> clean(List<String> l) {
        return l == null
                ? List.of()
                : l.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    static String hostname() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    static boolean isIp(String s) {
        return s != null
                && (s.matches("\\d{1,3}(\\.\\d{1,3}){3}")
                                && Arrays.stream(s.split("\\.")).allMatch(p -> Integer.parseInt(p) <= 255)
                        || s.contains(":") && s.matches("[0-9a-fA-F:.]+"));
    }

    static String peerProblem(String p) {
        try {
            parseHostPort(p, 6770);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Parses {@code host:port} (or {@code [v6]:port}); without a port uses {@code defaultPort} (or fails if -1). */
    public static InetSocketAddress parseHostPort(String s, int defaultPort) {
        String host = s.trim();
        int port = defaultPort;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("missing ']'");
            String rest = host.substring(close + 1);
            host = host.substring(1, close);
            if (rest.startsWith(":")) port = parsePort(rest.substring(1));
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            port = parsePort(host.substring(host.indexOf(':') + 1));
            host = host.substring(0, host.indexOf(':'));
        }
        if (port < 0) throw new IllegalArgumentException("missing port");
        if (host.isEmpty()) throw new IllegalArgumentException("missing host");
        return InetSocketAddress.createUnresolved(host, port);
    }

    static int parsePort(String p) {
        try {
            int v = Integer.parseInt(p);
            if (v < 1 || v > 65535) throw new IllegalArgumentException("port out of range 1..65535");
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + p + "' is not a number");
        }
    }
}
