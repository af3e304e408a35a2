package dev.weft.agent.runtime;

import dev.weft.agent.api.AgentJson;
import dev.weft.agent.api.LocalApi;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.core.ControllerSnapshot;
import dev.weft.agent.core.Reply;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.Underlay;
import dev.weft.gossip.GossipNode;
import dev.weft.gossip.GossipStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators and the runtime read: readiness, liveness, the report and the local API. Everything is built from
 * snapshots (the controller's, the kernel worker's, gossip's), so a scrape or a {@code weft status} never waits on
 * the controller; only {@code rmpeer}, which changes state, is an event for it.
 */
final class Status {
    private static final Logger log = LoggerFactory.getLogger(Status.class);
    /** The controller is reported stuck when one batch of events has run this long. */
    static final long STUCK_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final AgentConfig config;
    private final Underlay underlay;
    private final AgentCore core;
    private final GossipNode gossip;
    private final KubernetesIntegration kubernetes;
    private final long startedNanos = System.nanoTime();
    /** This node's peer id is derived from its identity key (false: a legacy id); fixed for the agent's life. */
    private final boolean selfCertifying;

    Status(
            AgentConfig config,
            Underlay underlay,
            AgentCore core,
            GossipNode gossip,
            KubernetesIntegration kubernetes,
            boolean selfCertifying) {
        this.selfCertifying = selfCertifying;
        this.config = config;
        this.underlay = underlay;
        this.core = core;
        this.gossip = gossip;
        this.kubernetes = kubernetes;
    }

    List<String> problems() {
        List<String> p = new ArrayList<>(core.loop().snapshot().problems());
        if (core.loop().busyNanos() > STUCK_AFTER_NANOS) {
            p.add("the agent's controller has been busy for " + core.loop().busyNanos() / 1_000_000_000 + " s ("
                    + core.loop().queued() + " events queued)");
        }
        return p;
    }

    List<String> liveness() {
        long busy = core.loop().busyNanos();
        return busy > 3 * STUCK_AFTER_NANOS
                ? List.of("agent controller unresponsive for " + busy / 1_000_000_000 + " s")
                : List.of();
    }

    int podMtu() {
        return core.loop()
                .snapshot()
                .desired()
                .map(d -> d.device().mtu())
                .filter(m -> m > 0)
                .orElse(
                        config.mtu() > 0
                                ? config.mtu()
                                : underlay.mtu()
                                        - DatapathConfig.vxlanOverhead(
                                                !underlay.address().isIpv4()));
    }

    Map<String, Object> report() {
        GossipStatus g = null;
        try {
            g = gossip.status().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.atDebug().log("gossip status unavailable: " + e.getMessage());
        }
        ControllerSnapshot s = core.loop().snapshot();
        return Reports.build(new Reports.Inputs(
                config,
                underlay,
                s,
                g,
                core.datapath().status(),
                core.datapath().kernelPathHealth(),
                kubernetes == null ? null : kubernetes.status().orElse(null),
                (System.nanoTime() - startedNanos) / 1_000_000,
                selfCertifying));
    }

    Map<String, Object> api(Map<String, Object> req) throws LocalApi.ApiException {
        String cmd = String.valueOf(req.get("cmd"));
        switch (cmd) {
            case "report" -> {
                try {
                    return AgentJson.obj("report", report());
                } catch (RuntimeException e) {
                    throw new LocalApi.ApiException("the agent could not build its report: " + e.getMessage());
                }
            }
            case "rmpeer" -> {
                String peer = String.valueOf(req.get("peer"));
                CompletableFuture<String> answer = new CompletableFuture<>();
                core.loop()
                        .post(
                                "rmpeer",
                                c -> c.onRmpeer(peer, new Reply<>() {
                                    @Override
                                    public void ok(String value) {
                                        answer.complete(value);
                                    }

                                    @Override
                                    public void fail(Failure f) {
                                        answer.completeExceptionally(new IllegalStateException(f.message()));
                                    }
                                }));
                try {
                    return AgentJson.obj("message", answer.get(10, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new LocalApi.ApiException(e.getCause().getMessage());
                } catch (Exception e) {
                    throw new LocalApi.ApiException("rmpeer failed: the agent did not answer in time (" + e + ")");
                }
            }
            default -> throw new LocalApi.ApiException("unknown command '" + cmd + "'; allowed: report, rmpeer");
        }
    }
}
