package dev.weft.agent.runtime;

import dev.weft.agent.cni.CniHandler;
import dev.weft.agent.cni.CniStats;
import dev.weft.agent.metrics.MetricsRegistry;
import dev.weft.datapath.sleeve.ProbeAuth;
import dev.weft.datapath.sleeve.SleeveCounter;
import dev.weft.datapath.sleeve.SleeveCounters;
import dev.weft.datapath.sleeve.SleeveDropLog;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The agent's Prometheus metrics, produced at scrape time from the report and the CNI counters. */
final class AgentMetrics {
    private AgentMetrics() {}

    static void register(MetricsRegistry registry, Supplier<Map<String, Object>> report, CniHandler cni) {
        registry.register(sink -> {
            Map<String, Object> r = report.get();
            sink.gauge(
                    "weft_ready",
                    "1 when this node owns address space and its datapath is programmed.",
                    Map.of(),
                    Boolean.TRUE.equals(r.get("ready")) ? 1 : 0);
            List<Map<String, Object>> peers = list(r.get("peers"));
            for (String state : List.of("alive", "suspect", "dead", "left")) {
                long n =
                        peers.stream().filter(p -> state.equals(p.get("state"))).count();
                sink.gauge(
                        "weft_gossip_members",
                        "Known cluster members (excluding this node) by state.",
                        Map.of("state", state),
                        n);
            }
            Map<String, Object> g = map(r.get("gossip"));
            sink.counter(
                    "weft_gossip_bytes_total",
                    "Gossip bytes on the wire.",
                    Map.of("direction", "sent"),
                    num(g.get("bytesSent")));
            sink.counter(
                    "weft_gossip_bytes_total",
                    "Gossip bytes on the wire.",
                    Map.of("direction", "received"),
                    num(g.get("bytesReceived")));
            map(g.get("dropped"))
                    .forEach((reason, v) -> sink.counter(
                            "weft_gossip_dropped_packets_total",
                            "Incoming gossip packets dropped, by reason.",
                            Map.of("reason", reason),
                            num(v)));
            Map<String, Object> ipam = map(r.get("ipam"));
            String help = "Addresses of this node's IPAM by kind (owned, free, used).";
            sink.gauge("weft_ipam_addresses", help, Map.of("kind", "owned"), num(ipam.get("owned")));
            sink.gauge("weft_ipam_addresses", help, Map.of("kind", "free"), num(ipam.get("free")));
            sink.gauge("weft_ipam_addresses", help, Map.of("kind", "used"), num(ipam.get("allocated")));
            Map<String, Object> cluster = map(ipam.get("cluster"));
            if (!"no-ring".equals(cluster.get("verdict")) && cluster.get("family") != null) {
                String clusterHelp = "Addresses of the whole cluster range as this node sees the ring, by kind (total, "
                        + "used, free); alert when used/total reaches 0.9.";
                for (String kind : List.of("total", "used", "free")) {
                    sink.gauge(
                            "weft_ipam_cluster_addresses",
                            clusterHelp,
                            Map.of("kind", kind, "family", String.valueOf(cluster.get("family"))),
                            num(cluster.get(kind)));
                }
            }
            sink.gauge(
                    "weft_ipam_owned_by_unreachable_addresses",
                    "Addresses owned by peers that are not alive (reclaim candidates).",
                    Map.of(),
                    num(ipam.get("ownedByUnreachable")));
            Map<String, Object> dp = map(r.get("datapath"));
            map(dp.get("entries"))
                    .forEach((kind, v) -> sink.gauge(
                            "weft_datapath_entries",
                            "Kernel entries Weft owns, by kind.",
                            Map.of("kind", kind),
                            num(v)));
            sink.counter(
                    "weft_datapath_repairs_total",
                    "Kernel entries restored after they went missing or changed.",
                    Map.of(),
                    num(dp.get("repairs")));
            sink.counter(
                    "weft_datapath_errors_total",
                    "Failed kernel operations during reconcile.",
                    Map.of(),
                    num(dp.get("errors")));
            sink.counter("weft_datapath_reconciles_total", "Reconcile runs.", Map.of(), num(dp.get("reconciles")));
            Map<String, Object> ctl = map(r.get("controller"));
            sink.counter(
                    "weft_ipam_state_writes_total",
                    "IPAM state writes (each: write, fsync, rename, fsync dir).",
                    Map.of("result", "ok"),
                    num(ctl.get("stateWrites")));
            sink.counter(
                    "weft_ipam_state_writes_total",
                    "IPAM state writes (each: write, fsync, rename, fsync dir).",
                    Map.of("result", "failed"),
                    num(ctl.get("stateWriteFailures")));
            sink.counter(
                    "weft_ipam_refused_ring_updates_total",
                    "Ring states or deltas from peers that were refused.",
                    Map.of(),
                    num(ctl.get("refusedRingUpdates")));
            sink.counter(
                    "weft_ipam_ring_entries_unproven_total",
                    "Changed ring entries and tombstones in peers' full states left out of the merge: the sender"
                            + " did not write them and no second peer showed them yet.",
                    Map.of(),
                    num(ctl.get("ringEntriesUnproven")));
            sink.counter(
                    "weft_ipam_ring_entries_corroborated_total",
                    "Changed ring entries and tombstones in peers' full states believed because two distinct peers"
                            + " showed them.",
                    Map.of(),
                    num(ctl.get("ringEntriesCorroborated")));
            map(ctl.get("refusedMessages"))
                    .forEach((reason, v) -> sink.counter(
                            "weft_ipam_refused_messages_total",
                            "IPAM messages from peers refused, by reason.",
                            Map.of("reason", reason),
                            num(v)));

            CniStats.Snapshot c = cni.stats().snapshot();
            cni.stats()
                    .latency()
                    .forEach((cmd, h) -> sink.histogram(
                            "weft_cni_request_duration_seconds",
                            "CNI request latency in the agent, by command.",
                            Map.of("command", cmd),
                            h));
            cni.stats().results().forEach((k, v) -> {
                int slash = k.indexOf('/');
                sink.counter(
                        "weft_cni_results_total",
                        "CNI requests by command and result.",
                        Map.of("command", k.substring(0, slash), "result", k.substring(slash + 1)),
                        v);
            });
            String reqHelp = "CNI requests by command.";
            sink.counter("weft_cni_requests_total", reqHelp, Map.of("command", "ADD"), c.adds());
            sink.counter("weft_cni_requests_total", reqHelp, Map.of("command", "DEL"), c.dels());
            sink.counter("weft_cni_requests_total", reqHelp, Map.of("command", "CHECK"), c.checks());
            sink.counter("weft_cni_requests_total", reqHelp, Map.of("command", "GC"), c.gcs());
            sink.counter("weft_cni_requests_total", reqHelp, Map.of("command", "STATUS"), c.statuses());
            sink.counter("weft_cni_requests_total", reqHelp, Map.of("command", "VERSION"), c.versions());
            sink.counter(
                    "weft_cni_errors_total",
                    "CNI requests answered with an error, by kind.",
                    Map.of("kind", "error"),
                    c.errors());
            sink.counter(
                    "weft_cni_errors_total",
                    "CNI requests answered with an error, by kind.",
                    Map.of("kind", "not_ready"),
                    c.notReady());
            sink.counter(
                    "weft_cni_errors_total",
                    "CNI requests answered with an error, by kind.",
                    Map.of("kind", "bad_frame"),
                    c.badFrames());
            sink.gauge("weft_cni_requests_in_flight", "CNI requests being handled.", Map.of(), c.inFlight());
            sink.counter(
                    "weft_cni_request_seconds_total",
                    "Total time spent handling CNI requests, by command.",
                    Map.of("command", "ADD"),
                    c.addNanosTotal() / 1e9);
            sink.counter(
                    "weft_cni_request_seconds_total",
                    "Total time spent handling CNI requests, by command.",
                    Map.of("command", "DEL"),
                    c.delNanosTotal() / 1e9);
        });
    }

    /**
     * The sleeve's drops, once it runs: its data-plane drop counters and the kernel-path probes it dropped (kept
     * across re-created probe sockets).
     */
    static void registerSleeve(
            MetricsRegistry registry,
            Supplier<Optional<SleeveCounters>> counters,
            Supplier<Optional<Map<ProbeAuth.Drop, Long>>> probeDrops) {
        registry.register(sink -> counters.get().ifPresent(c -> {
            for (SleeveCounter k : SleeveCounter.values()) {
                if (SleeveDropLog.isDrop(k)) {
                    sink.counter(
                            "weft_sleeve_dropped_packets_total",
                            "Packets the userspace sleeve dropped, by reason (rx_drop_auth_failed: forged or corrupted "
                                    + "frames; rx_drop_unknown_key: another secret; rx_drop_replay: replays; ...).",
                            Map.of("reason", k.metricName()),
                            c.get(k));
                }
            }
        }));
        registry.register(sink -> probeDrops
                .get()
                .ifPresent(drops -> drops.forEach((reason, n) -> sink.counter(
                        "weft_sleeve_probe_dropped_total",
                        "Kernel-path probes dropped, by reason (unauthenticated: no tag from a node without the secret;"
                                + " auth_failed: forged; foreign_session: a replayed or misrouted answer; ...).",
                        Map.of("reason", reason.counterName()),
                        n))));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o instanceof List ? (List<Map<String, Object>>) o : List.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }
}
