package dev.weft.agent.runtime;

import dev.weft.agent.Version;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.core.ControllerSnapshot;
import dev.weft.agent.core.PeerTable;
import dev.weft.agent.core.SpaceOutlook;
import dev.weft.datapath.DatapathStatus;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.Underlay;
import dev.weft.gossip.GossipStatus;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamStatus;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the agent's report (what {@code weft report --json} prints and {@code weft status} renders) from the
 * roles' status snapshots, on the caller's thread (never the controller's). Field names are stable: scripts depend on them.
 */
final class Reports {
    private Reports() {}

    /** What the report is built from: snapshots only, read on the caller's thread. {@code g}/{@code datapath} may be null. */
    record Inputs(
            AgentConfig config,
            Underlay underlay,
            ControllerSnapshot snapshot,
            GossipStatus g,
            DatapathStatus datapath,
            Map<String, String> kernelPaths,
            String kubernetes,
            long uptimeMillis,
            boolean selfCertifying) {
        Optional<PeerTable.Peer> peer(PeerId id) {
            return snapshot.peer(id);
        }

        boolean isAlive(PeerId id) {
            return peer(id).map(PeerTable.Peer::alive).orElse(false);
        }
    }

    /** The warning of {@code weft status} and {@code weft doctor} when the operator disabled encryption. */
    static final String ENCRYPTION_DISABLED =
            "encryption is disabled (--encryption=disabled): anyone who reaches the gossip port "
                    + "can read and change this cluster; make a secret with 'weft secret generate' and give it to every node (--secret-file)";

    static Map<String, Object> build(Inputs a) {
        GossipStatus g = a.g();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("version", Version.get());
        r.put(
                "peer",
                obj(
                        "id",
                        a.snapshot().self().id().toString(),
                        "nickname",
                        a.snapshot().self().nickname(),
                        "incarnation",
                        a.snapshot().self().incarnation(),
                        "address",
                        a.underlay().address().toString()));
        List<String> problems = a.snapshot().problems();
        r.put("ready", problems.isEmpty());
        r.put("readinessProblems", problems);
        r.put(
                "encryption",
                obj(
                        "enabled",
                        g != null && g.encrypted(),
                        "required",
                        a.config().encryptionRequired(),
                        "disabled",
                        a.config().encryptionDisabled(),
                        "podTraffic",
                        a.config().encryptPodTraffic()));
        r.put(
                "identity",
                obj(
                        "selfCertifying",
                        a.selfCertifying(),
                        "legacyIdsRefused",
                        a.config().requireSelfCertifyingIds()));
        IpamStatus ipam = a.snapshot().ipam();
        r.put(
                "cluster",
                obj(
                        "name",
                        a.config().clusterName(),
                        "range",
                        clusterRange(a, a.config().clusterRange(), ipam),
                        "blockSize",
                        ipam.minBlock()));

        List<Object> peers = new ArrayList<>();
        List<Object> connections = new ArrayList<>();
        Map<String, DesiredState.PeerPlan> plans = new LinkedHashMap<>();
        a.snapshot().desired().ifPresent(d -> d.peers().forEach(p -> plans.put(p.peerId(), p)));
        if (g != null) {
            for (MemberView m : g.members()) {
                String nick = a.peer(m.id()).map(PeerTable.Peer::nickname).orElse("(record pending)");
                double ago = (g.nowNanos() - m.lastHeardNanos()) / 1e9;
                peers.add(obj(
                        "id",
                        m.id().toString(),
                        "nickname",
                        nick,
                        "state",
                        m.state().name().toLowerCase(Locale.ROOT),
                        "address",
                        m.address() == null
                                ? null
                                : m.address().getAddress().getHostAddress() + ":"
                                        + m.address().getPort(),
                        "incarnation",
                        m.incarnation(),
                        "lastSeenSecondsAgo",
                        ago));
                if (m.state() == MemberState.DEAD || m.state() == MemberState.LEFT) continue;
                DesiredState.PeerPlan plan = plans.get(m.id().toString());
                String mode = plan == null || plan.mode() == null
                        ? "none"
                        : plan.mode().name().toLowerCase(Locale.ROOT).replace('_', '-');
                String health = m.state() == MemberState.ALIVE
                        ? (plan != null && plan.mode() != null ? "ok" : "no-route")
                        : "unreachable";
                String kernelPath = a.kernelPaths().get(m.id().toString());
                String underlay = a.peer(m.id())
                        .flatMap(PeerTable.Peer::record)
                        .map(v -> dev.weft.ipam.addr.IpAddress.of(v.underlay()).toString()) // IPv6 compressed
                        .orElse(null);
                connections.add(obj(
                        "peer",
                        m.id().toString(),
                        "nickname",
                        nick,
                        "address",
                        underlay,
                        "mode",
                        mode,
                        "health",
                        health,
                        "reason",
                        plan == null ? "no node record or no address ranges yet" : plan.reason(),
                        "kernelPath",
                        kernelPath,
                        "lastSeenSecondsAgo",
                        ago));
            }
        }
        r.put("peers", peers);
        r.put("connections", connections);
        r.put("ipam", ipam(a, ipam, g));
        a.snapshot().ipamV6().ifPresent(v6 -> {
            r.put("ipamV6", ipam(a, v6, g));
            @SuppressWarnings("unchecked")
            Map<String, Object> cluster = (Map<String, Object>) r.get("cluster");
            cluster.put("rangeV6", clusterRange(a, a.config().clusterRangeV6(), v6));
            cluster.put("blockSizeV6", v6.minBlock());
        });
        r.put("routes", routes(a));
        r.put("datapath", datapath(a));
        ControllerSnapshot cs = a.snapshot();
        r.put(
                "controller",
                obj(
                        "stateWrites",
                        cs.stateWrites(),
                        "stateWriteFailures",
                        cs.stateWriteFailures(),
                        "refusedRingUpdates",
                        cs.refusedRingUpdates(),
                        "refusedMessages",
                        new java.util.TreeMap<>(cs.refusedMessages()),
                        "ringEntriesUnproven",
                        cs.ipamCounters().ringEntriesUnproven()
                                + cs.ipamCountersV6()
                                        .map(dev.weft.ipam.IpamCounters::ringEntriesUnproven)
                                        .orElse(0L),
                        "ringEntriesCorroborated",
                        cs.ipamCounters().ringEntriesCorroborated()
                                + cs.ipamCountersV6()
                                        .map(dev.weft.ipam.IpamCounters::ringEntriesCorroborated)
                                        .orElse(0L)));
        List<String> warnings = new ArrayList<>();
        if (a.config().encryptionDisabled()) warnings.add(ENCRYPTION_DISABLED);
        if (g != null) {
            Map<String, Object> drops = new LinkedHashMap<>();
            g.counters().dropped().forEach((k, v) -> drops.put(k.counterName(), v));
            r.put(
                    "gossip",
                    obj(
                            "members",
                            g.members().size() + 1,
                            "alive",
                            g.liveMembers(),
                            "bytesSent",
                            g.counters().bytesSent(),
                            "bytesReceived",
                            g.counters().bytesReceived(),
                            "dropped",
                            drops));
            for (String reason : List.of("unknown_key", "auth_failed", "security_mismatch", "foreign_cluster")) {
                Object n = drops.get(reason);
                if (n instanceof Number num && num.longValue() > 0) {
                    warnings.add(num.longValue() + " gossip packets rejected (" + reason
                            + "): some node uses a different "
                            + (reason.equals("foreign_cluster") ? "--cluster-name" : "cluster secret (--secret-file)")
                            + "; it cannot join this cluster until all nodes agree");
                }
            }
        }
        if (g != null
                && g.members().isEmpty()
                && !a.config().peers().isEmpty()
                && a.uptimeMillis() >= SEEDS_SILENT_AFTER_MS) {
            warnings.add("none of the peers given with --peers has answered for " + a.uptimeMillis() / 1000
                    + " s: check that every node uses the same cluster secret (--secret-file) and --cluster-name, and that "
                    + "UDP and TCP " + a.config().gossipPort() + " are open between the nodes");
        }
        r.put("warnings", warnings);
        return r;
    }

    /** A node alone this long although it was given peers warns that nobody answers. */
    static final long SEEDS_SILENT_AFTER_MS = 15_000;

    /**
     * The cluster's range of one family: the IPAM's range, except in podCIDR mode, where the IPAM works on this
     * node's podCIDR only and the cluster range is the configured one.
     */
    private static String clusterRange(Inputs a, String configured, IpamStatus s) {
        return a.config().podCidrMode() && configured != null
                ? configured
                : s.clusterRange().toString();
    }

    private static Map<String, Object> ipam(Inputs a, IpamStatus s, GossipStatus g) {
        BigInteger total = s.clusterRange().size();
        List<Object> owners = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        long unreachableOwned = 0;
        for (IpamStatus.OwnerStatus o : s.owners()) {
            PeerId pid = o.peer();
            String id = pid.toString();
            boolean reachable = o.self() || a.isAlive(pid);
            String nick = o.self()
                    ? a.snapshot().self().nickname()
                    : a.peer(pid).map(PeerTable.Peer::nickname).orElse(o.removed() ? "(removed)" : "(unknown)");
            double pct = total.signum() == 0 ? 0 : 100.0 * o.size() / total.doubleValue();
            owners.add(obj(
                    "peer",
                    id,
                    "nickname",
                    nick,
                    "self",
                    o.self(),
                    "reachable",
                    reachable,
                    "removed",
                    o.removed(),
                    "ranges",
                    o.cidrs().stream().map(Object::toString).toList(),
                    "size",
                    o.size(),
                    "free",
                    o.free(),
                    "percent",
                    pct));
            if (!reachable && !o.removed()) {
                unreachableOwned += o.size();
                warnings.add("peer " + id + " (" + nick + ") owns " + o.size()
                        + " addresses but is unreachable; if that node is gone " + "for good, run 'weft rmpeer " + id
                        + "' on ONE node to reclaim them");
            }
        }
        SpaceOutlook space = a.snapshot().space();
        if (space.verdict() != SpaceOutlook.Verdict.OK && space.verdict() != SpaceOutlook.Verdict.NO_RING) {
            warnings.add(space.summary() + "; " + space.advice());
        }
        String status = !s.ringExists() ? "no ring yet" : s.removed() ? "this peer was removed" : "ready";
        return obj(
                "range",
                s.clusterRange().toString(),
                "podCidrMode",
                a.config().podCidrMode(),
                "status",
                status,
                "genesis",
                s.genesis().orElse(null),
                "owned",
                s.localSize(),
                "free",
                s.localFree(),
                "allocated",
                s.allocations().size(),
                "gateway",
                s.gateway().map(Object::toString).orElse(null),
                "ownedByUnreachable",
                unreachableOwned,
                "owners",
                owners,
                "warnings",
                warnings,
                "pendingSpaceRequest",
                s.pendingSpaceRequest().map(PeerId::toString).orElse(null),
                "cluster",
                cluster(space));
    }

    private static Map<String, Object> cluster(SpaceOutlook o) {
        List<Object> holders = new ArrayList<>();
        for (SpaceOutlook.Holder h : o.holders()) {
            holders.add(
                    obj("peer", h.peer().toString(), "nickname", h.nickname(), "free", h.free(), "alive", h.alive()));
        }
        return obj(
                "verdict",
                o.verdict().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                "family",
                o.family(),
                "total",
                o.total(),
                "used",
                o.used(),
                "free",
                o.free(),
                "percentUsed",
                o.percentUsed(),
                "holders",
                holders,
                "summary",
                o.summary(),
                "advice",
                o.advice());
    }

    private static List<Object> routes(Inputs a) {
        List<Object> out = new ArrayList<>();
        DatapathStatus st = a.datapath();
        if (st == null) return out;
        for (DatapathStatus.RouteStatus rs : st.routes()) {
            out.add(obj(
                    "destination",
                    rs.destination().toString(),
                    "via",
                    rs.via() == null ? null : rs.via().toString(),
                    "device",
                    rs.device(),
                    "peer",
                    rs.peerId(),
                    "mode",
                    rs.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    "installed",
                    rs.installed()));
        }
        return out;
    }

    private static Map<String, Object> datapath(Inputs a) {
        DatapathStatus st = a.datapath();
        if (st == null) return obj("mode", a.config().datapath().cliName(), "status", "not programmed yet");
        var c = st.counters();
        Map<String, Object> entries = new LinkedHashMap<>();
        c.entries().forEach((k, v) -> entries.put(k.name().toLowerCase(Locale.ROOT), v));
        long repairs = c.repairs().values().stream().mapToLong(Long::longValue).sum();
        return obj(
                "mode",
                a.config().datapath().cliName(),
                "device",
                st.device(),
                "vni",
                a.config().vni(),
                "port",
                a.config().vxlanPort(),
                "mtu",
                st.mtu(),
                "underlayInterface",
                a.underlay().interfaceName(),
                "underlayMtu",
                a.underlay().mtu(),
                "routes",
                st.routes().size(),
                "entries",
                entries,
                "repairs",
                repairs,
                "errors",
                c.errors(),
                "reconciles",
                c.reconciles(),
                "problems",
                st.problems());
    }

    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
