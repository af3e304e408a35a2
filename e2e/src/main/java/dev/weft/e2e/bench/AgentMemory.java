package dev.weft.e2e.bench;

import dev.weft.e2e.lab.ExecResult;
import dev.weft.e2e.lab.LabNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One look at a running agent's memory, for the benchmarks: what the kernel counts ({@code /proc/PID/status}:
 * resident set, its anonymous part, threads) and what the JVM says of itself on the agent's {@code /metrics} (heap
 * used and committed, metaspace, code cache, direct buffers, Netty's allocator). The metrics are read with
 * {@code curl} inside the node's namespace (the agent serves them on its underlay address); a figure the agent did
 * not answer is -1.
 *
 * @param rssKib     VmRSS
 * @param anonKib    RssAnon (heap, metaspace, thread stacks, malloc; the rest of RSS is mapped files: libjvm, jars)
 * @param threads    threads of the process
 * @param heapUsed   jvm_memory_used_bytes{area="heap"}
 * @param heapCommitted jvm_memory_committed_bytes{area="heap"}
 * @param metaspace  jvm_memory_pool_used_bytes{pool="Metaspace"}
 * @param codeCache  jvm_memory_pool_used_bytes of the code cache (one pool below 240 MiB reserved, else three)
 * @param direct     jvm_buffer_pool_used_bytes{pool="direct"}
 * @param nettyHeld  weft_netty_allocator_bytes{kind="direct"}: what Netty's allocator holds (used or cached)
 */
record AgentMemory(
        long rssKib,
        long anonKib,
        int threads,
        long heapUsed,
        long heapCommitted,
        long metaspace,
        long codeCache,
        long direct,
        long nettyHeld) {

    static final double MIB = 1024.0 * 1024.0;

    /** Reads the process's status and, if {@code node} is given, the agent's metrics on {@code address:port}. */
    static AgentMemory of(long pid, LabNode node, String address, int port) {
        Map<String, String> st = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                int colon = line.indexOf(':');
                if (colon > 0)
                    st.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        } catch (IOException e) {
            return new AgentMemory(-1, -1, -1, -1, -1, -1, -1, -1, -1);
        }
        Map<String, Double> m = node == null ? Map.of() : metrics(node, address, port);
        return new AgentMemory(
                kib(st.get("VmRSS")),
                kib(st.get("RssAnon")),
                Integer.parseInt(st.getOrDefault("Threads", "-1")),
                get(m, "jvm_memory_used_bytes{area=\"heap\"}"),
                get(m, "jvm_memory_committed_bytes{area=\"heap\"}"),
                get(m, "jvm_memory_pool_used_bytes{pool=\"Metaspace\"}"),
                sumPrefix(
                        m, "jvm_memory_pool_used_bytes{pool=\"Code"), // CodeCache, or the CodeHeap pools when segmented
                get(m, "jvm_buffer_pool_used_bytes{pool=\"direct\"}"),
                get(m, "weft_netty_allocator_bytes{kind=\"direct\"}"));
    }

    boolean gone() {
        return rssKib < 0;
    }

    /** {@code rss[anon]/threads} in MiB, the soak's column. */
    String compact() {
        if (gone()) return "   (gone)         ";
        return String.format("%5.1f[%5.1f]/%-3d h%4.1f", rssKib / 1024.0, anonKib / 1024.0, threads, mib(heapUsed));
    }

    /** Every figure on one line, in MiB. */
    String line() {
        if (gone()) return "(process gone)";
        return String.format(
                "RSS %.1f MiB (anon %.1f), threads %d, heap used %.1f / committed %.1f, metaspace %.1f, code %.1f,"
                        + " direct buffers %.1f, Netty allocator %.1f",
                rssKib / 1024.0,
                anonKib / 1024.0,
                threads,
                mib(heapUsed),
                mib(heapCommitted),
                mib(metaspace),
                mib(codeCache),
                mib(direct),
                mib(nettyHeld));
    }

    static double mib(long bytes) {
        return bytes < 0 ? -1 : bytes / MIB;
    }

    /** The agent's /metrics as {@code name{labels} -> value} (comments skipped); empty if it does not answer. */
    static Map<String, Double> metrics(LabNode node, String address, int port) {
        ExecResult r = node.exec(
                List.of("curl", "-s", "-m", "5", "http://" + address + ":" + port + "/metrics"),
                Duration.ofSeconds(10));
        Map<String, Double> out = new HashMap<>();
        if (!r.ok()) return out;
        for (String line : r.stdout().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            if (sp <= 0) continue;
            try {
                out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            } catch (NumberFormatException e) {
                // a value we cannot read is left out
            }
        }
        return out;
    }

    private static long get(Map<String, Double> m, String key) {
        Double v = m.get(key);
        return v == null ? -1 : v.longValue();
    }

    private static long sumPrefix(Map<String, Double> m, String prefix) {
        long sum = 0;
        boolean any = false;
        for (var e : m.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                sum += e.getValue().longValue();
                any = true;
            }
        }
        return any ? sum : -1;
    }

    private static long kib(String v) {
        return v == null ? -1 : Long.parseLong(v.replace("kB", "").trim());
    }
}
