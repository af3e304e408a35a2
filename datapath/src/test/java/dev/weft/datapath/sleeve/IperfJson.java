package dev.weft.datapath.sleeve;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Extracts end.sum_received.bits_per_second from iperf3 -J output (no JSON library in datapath tests). */
final class IperfJson {
    private IperfJson() {}

    private static final Pattern RECEIVED = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)", Pattern.DOTALL);

    static double receivedBitsPerSecond(String json) {
        Matcher m = RECEIVED.matcher(json);
        if (!m.find()) throw new IllegalStateException("no sum_received in iperf3 output: " + json);
        return Double.parseDouble(m.group(1));
    }
}
