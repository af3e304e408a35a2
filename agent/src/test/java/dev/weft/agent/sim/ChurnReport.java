package dev.weft.agent.sim;

import java.util.ArrayList;
import java.util.List;

/** The benchmark's table: one row per measured window, every figure per node per simulated second. */
final class ChurnReport {
    private record Row(String scenario, double opsPerNodeSecond, TrafficSample window, int nodes, long seconds) {
        double per(long v) {
            return v / (double) nodes / seconds;
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    void add(String scenario, double opsPerNodeSecond, TrafficSample window, int nodes, long seconds) {
        rows.add(new Row(scenario, opsPerNodeSecond, window, nodes, seconds));
    }

    void note(String line) {
        notes.add(line);
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        for (String n : notes) {
            sb.append(n).append('\n');
        }
        sb.append('\n').append("per node per simulated second:\n");
        sb.append(String.format(
                "%-8s %10s %10s %10s %10s %12s %10s %10s %10s %10s %8s %12s %10s %10s%n",
                "scenario",
                "pod_ops",
                "udp_B",
                "tcp_B",
                "total_B",
                "ring_states",
                "ring_B",
                "deltas",
                "delta_B",
                "fsyncs",
                "saves",
                "saved_B",
                "records",
                "merges_chg"));
        for (Row r : rows) {
            TrafficSample w = r.window();
            sb.append(String.format(
                    "%-8s %10.2f %10.0f %10.0f %10.0f %12.2f %10.0f %10.2f %10.0f %10.2f %8.2f %12.0f %10.2f %10.2f%n",
                    r.scenario(),
                    r.per(w.podOps()),
                    r.per(w.udpBytes()),
                    r.per(w.streamBytes()),
                    r.per(w.totalBytes()),
                    r.per(w.ringStatesSent()),
                    r.per(w.ringStateBytes()),
                    r.per(w.ringDeltasSent()),
                    r.per(w.ringDeltaBytes()),
                    r.per(w.fsyncs()),
                    r.per(w.saves()),
                    r.per(w.savedBytes()),
                    r.per(w.recordPublishes()),
                    r.per(w.ringMergesChanged())));
        }
        sb.append('\n').append("""
                columns: pod_ops = CNI ADD+DEL done; udp_B / tcp_B / total_B = bytes sent on the wire (protobuf + envelope,
                TCP with its 4-byte frame prefix; requests and replies); ring_states = full IPAM ring states sent (inside
                push-pull and channel-push packets, both directions); ring_B = encoded ring bytes in them (part of tcp_B);
                deltas = ring deltas sent (every piggybacked or streamed copy, relays included); delta_B = delta bytes in
                them (part of udp_B/tcp_B); fsyncs = 2 x saves (FileIpamStore: fsync of the temp file, then of the
                directory; counted as saves of an in-memory store); saved_B = state bytes those saves write; records =
                node records published (ALIVE update with a new incarnation, gossiped to all); merges_chg = ring merges
                (full states and deltas) that changed local state.
                """);
        return sb.toString();
    }
}
