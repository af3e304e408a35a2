package dev.weft.agent.runtime;

import dev.weft.agent.api.LocalApi;
import dev.weft.agent.cni.CniHandler;
import dev.weft.agent.cni.CniServer;
import dev.weft.agent.cni.DatapathPodNetwork;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.metrics.HttpEndpoints;
import dev.weft.agent.metrics.MetricsRegistry;
import dev.weft.agent.metrics.NettyFigures;
import dev.weft.agent.runtime.AgentRuntime.StartupException;
import dev.weft.datapath.Underlay;
import dev.weft.datapath.netlink.RtNetlink;
import dev.weft.datapath.netlink.Sysctl;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.gossip.GossipNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What operators and the runtime talk to: the CNI server, the CLI's local API and the HTTP endpoints. */
final class OperatorEndpoints {
    private static final Logger log = LoggerFactory.getLogger(OperatorEndpoints.class);

    private OperatorEndpoints() {}

    /** The CNI server, the local API for the CLI and the HTTP endpoints; all read the controller's snapshot. */
    static void start(
            AgentConfig config,
            Underlay underlay,
            AgentCore core,
            GossipNode gossip,
            KubernetesIntegration kubernetes,
            RtNetlink host,
            ExecutorService workers,
            List<AutoCloseable> closers,
            boolean selfCertifying)
            throws StartupException {
        Status status = new Status(config, underlay, core, gossip, kubernetes, selfCertifying);
        var nsThreads = Thread.ofPlatform().name("weft-netns-", 0).daemon().factory();
        PodPlumber plumber = new PodPlumber(host, Sysctl::write, nsThreads);
        CniHandler handler = new CniHandler(
                new ControllerIpam(core.loop(), config.dualStack()),
                new DatapathPodNetwork(plumber),
                () -> {
                    List<String> now = status.problems();
                    return now.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", now));
                },
                status::podMtu,
                System::nanoTime);
        CniServer cni = new CniServer(config.cniSocket(), workers, handler);
        try {
            cni.start();
        } catch (IOException e) {
            throw new AgentRuntime.StartupException(
                    "cannot open the CNI socket " + config.cniSocket() + ": " + e.getMessage(), e);
        }
        closers.add(0, cni);
        MetricsRegistry metrics = new MetricsRegistry();
        metrics.registerJvmAndProcess();
        metrics.register(new NettyFigures());
        // by default the node's own underlay address: reachable by the node network (kubelet probes, scrapers), not
        // 0.0.0.0
        InetSocketAddress http = config.httpOnUnderlay()
                ? new InetSocketAddress(
                        underlay.address().toInetAddress(), config.httpAddress().getPort())
                : config.httpAddress().getHostString().equals("0.0.0.0")
                        ? new InetSocketAddress(config.httpAddress().getPort())
                        : new InetSocketAddress(
                                config.httpAddress().getHostString(),
                                config.httpAddress().getPort());
        AgentMetrics.register(metrics, status::report, handler);
        AgentMetrics.registerSleeve(
                metrics,
                () -> core.datapath().sleeve().flatMap(SleeveIntegration::counters),
                () -> core.datapath().sleeve().map(SleeveIntegration::probeDrops));
        try {
            closers.add(
                    0,
                    new LocalApi(
                            config.cliSocket(),
                            status::api,
                            Thread.ofPlatform().name("weft-api").daemon().factory()));
            closers.add(0, new HttpEndpoints(http, workers, metrics, status::liveness, status::problems));
        } catch (IOException e) {
            throw new AgentRuntime.StartupException(
                    "cannot open the status socket " + config.cliSocket() + " or HTTP " + http + ": " + e.getMessage(),
                    e);
        }
        log.atInfo()
                .addKeyValue("cni", config.cniSocket())
                .addKeyValue("api", config.cliSocket())
                .addKeyValue("http", http.getAddress().getHostAddress() + ":" + http.getPort())
                .log("weft agent running");
    }
}
