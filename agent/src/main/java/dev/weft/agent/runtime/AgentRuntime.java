package dev.weft.agent.runtime;

import dev.weft.agent.api.LocalApi;
import dev.weft.agent.cni.CniHandler;
import dev.weft.agent.cni.CniServer;
import dev.weft.agent.cni.DatapathPodNetwork;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.AgentOptions;
import dev.weft.agent.metrics.HttpEndpoints;
import dev.weft.agent.metrics.MetricsRegistry;
import dev.weft.agent.node.Underlay;
import dev.weft.agent.state.Identity;
import dev.weft.cni.Json;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.VtepMacStore;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkEvent;
import dev.weft.datapath.netlink.NetlinkEvents;
import dev.weft.datapath.netlink.RtNetlink;
import dev.weft.datapath.netlink.Sysctl;
import dev.weft.datapath.nft.NftTable;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.gossip.GossipConfig;
import dev.weft.gossip.GossipNode;
import dev.weft.gossip.GossipStatus;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.store.FileIpamStore;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the agent: decides every thread (the agent loop, gossip's event loop, CNI and API workers, the
 * platform threads that enter pod namespaces), wires the modules together and runs until SIGTERM.
 * Graceful shutdown leaves the kernel datapath in place so pods keep talking while the agent restarts.
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);
    /** Exit code when the node was removed from the cluster and must restart with a new identity. */
    public static final int EXIT_REMOVED = 75;

    private final AgentConfig config;
    private final List<AutoCloseable> closers = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger exitCode = new AtomicInteger(0);
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private AgentLoop loop;
    private NodeAgent agent;
    private GossipNode gossip;
    private GossipBus bus;
    private KubernetesIntegration kubernetes;
    private volatile List<String> readiness = List.of("starting");
    private volatile int podMtu;
    private volatile boolean closing;

    /** A start-up failure with what the operator should do. */
    public static final class StartupException extends Exception {
        public StartupException(String m, Throwable cause) {
            super(m, cause);
        }
    }

    public AgentRuntime(AgentConfig config) {
        this.config = config;
    }

    public void start() throws StartupException {
        SecureRandom random = new SecureRandom();
        Identity identity;
        try {
            identity = Identity.loadOrCreate(config.stateDir(), config.nodeName(), random);
        } catch (IOException e) {
            throw new StartupException("cannot read or write the state directory " + config.stateDir() + ": " + e.getMessage()
                    + "; check that it exists, is writable by the agent and the disk is not full", e);
        }
        log.atInfo().addKeyValue("peer", identity.peerId()).addKeyValue("nickname", identity.nickname())
                .addKeyValue("incarnation", identity.incarnation()).addKeyValue("version", dev.weft.agent.Version.get())
                .log("weft agent starting");

        RtNetlink host = RtNetlink.open();
        closers.add(host);
        Underlay underlay;
        try {
            underlay = Underlay.detect(host, config.advertiseAddress(), config.underlayInterface(), config.vxlanDevice());
        } catch (Underlay.NotFound e) {
            throw new StartupException("cannot find this node's underlay: " + e.getMessage(), e);
        }
        log.atInfo().addKeyValue("addr", underlay.address().getHostAddress()).addKeyValue("dev", underlay.interfaceName())
                .addKeyValue("mtu", underlay.mtu()).addKeyValue("subnet", underlay.subnet()).log("underlay detected");
        try {
            Sysctl.write("net/ipv4/ip_forward", "1");
        } catch (RuntimeException e) {
            log.atWarn().log("could not enable net.ipv4.ip_forward: " + e.getMessage() + "; pods on other nodes will not be reachable");
        }
        MacAddress vtepMac = VtepMacStore.loadOrCreate(config.stateDir(), random);

        if (config.kubernetes()) {
            loop = new AgentLoop(Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("weft-loop").daemon().factory()));
            kubernetes = new KubernetesIntegration(config, identity, loop, workers);
            closers.add(kubernetes);
        }
        IpamNode ipam = config.podCidrMode() ? openPodCidrIpam(identity) : openIpam(identity);
        if (kubernetes != null && !config.podCidrMode()) {
            try {
                kubernetes.bootstrapRing(ipam);
            } catch (IOException | RuntimeException e) {
                throw new StartupException("Kubernetes ring bootstrap failed: " + e.getMessage()
                        + "; is the API server reachable and does the weft ServiceAccount have its RBAC?", e);
            }
        }
        DatapathConfig dpc = DatapathConfig.defaults().withDevice(config.vxlanDevice()).withVni(config.vni())
                .withPort(config.vxlanPort()).withMtu(config.mtu())
                .withDirectRouting(config.datapath() == AgentConfig.DatapathMode.AUTO);
        Reconciler reconciler = new Reconciler(host, dpc);
        NftTable nft = new NftTable(List.of("nft"));

        if (loop == null) {
            loop = new AgentLoop(Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("weft-loop").daemon().factory()));
        }
        agent = new NodeAgent(config, identity, underlay, vtepMac, ipam, reconciler, dpc, nft, AgentRuntime::monotonicMillis,
                this::selfRemoved);

        // gossip on its own event loop
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                Thread.ofPlatform().name("weft-gossip").daemon().factory(), EpollIoHandler.newFactory());
        closers.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        List<byte[]> clusterKeys;
        try {
            clusterKeys = secrets();
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException("invalid cluster secret: " + e.getMessage(), e);
        }
        GossipConfig gc;
        try {
            gc = GossipConfig.builder(config.clusterName(), identity.peerId())
                    .incarnation(identity.incarnation())
                    .bind(InetAddress.getByName(config.bindAddress()), config.gossipPort())
                    .advertiseAddress(new InetSocketAddress(underlay.address(), config.gossipPort()))
                    .seeds(seeds())
                    .secrets(clusterKeys)
                    .maxMessageBytes(Math.min(SpaceMessages.MAX_GRANT_BYTES, (8 << 20) - 4096))
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException("invalid gossip settings: " + e.getMessage(), e);
        }
        MultiThreadIoEventLoopGroup sleeveGroup = new MultiThreadIoEventLoopGroup(1,
                Thread.ofPlatform().name("weft-sleeve-io").daemon().factory(), EpollIoHandler.newFactory());
        closers.add(() -> sleeveGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        SleeveIntegration sleeve = new SleeveIntegration(config, Long.parseUnsignedLong(identity.peerId(), 16), vtepMac,
                underlay.mtu(), clusterKeys.isEmpty() ? null : clusterKeys.get(0), sleeveGroup,
                Thread.ofPlatform().name("weft-sleeve-", 0).daemon().factory(), loop, agent::kernelChanged);
        agent.attachSleeve(sleeve);
        closers.add(0, () -> loop.call("sleeve close", 5_000, () -> {
            sleeve.close();
            return null;
        }));
        bus = new GossipBus(loop, agent);
        gossip = GossipNode.create(gc, group, bus);
        bus.bind(gossip, !config.podCidrMode());
        agent.attach(bus);
        try {
            gossip.start().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new StartupException("gossip could not start on " + config.bindAddress() + ":" + config.gossipPort() + ": "
                    + rootMessage(e) + "; is another agent already running on this node, or the port taken?", e);
        }
        closers.add(0, () -> gossip.close());
        log.atInfo().addKeyValue("port", config.gossipPort()).addKeyValue("seeds", config.peers())
                .addKeyValue("encrypted", !gc.secrets().isEmpty()).log("gossip started");

        if (kubernetes != null) kubernetes.start(agent, gossip);
        startNetlinkWatch();
        loop.every("tick", 1, TimeUnit.SECONDS, this::tick);
        loop.post("first tick", this::tick);

        // CNI server
        var nsThreads = Thread.ofPlatform().name("weft-netns-", 0).daemon().factory();
        PodPlumber plumber = new PodPlumber(host, Sysctl::write, nsThreads);
        LoopIpam cniIpam = new LoopIpam(loop, () -> ipam, AgentRuntime::monotonicMillis, agent::sendSpaceRequest, agent::podsChanged);
        CniHandler handler = new CniHandler(cniIpam, new DatapathPodNetwork(plumber),
                () -> {
                    List<String> now = currentProblems();
                    return now.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", now));
                },
                () -> podMtu, System::nanoTime);
        CniServer cni = new CniServer(config.cniSocket(), workers, handler);
        try {
            cni.start();
        } catch (IOException e) {
            throw new StartupException("cannot open the CNI socket " + config.cniSocket() + ": " + e.getMessage(), e);
        }
        closers.add(0, cni);

        // operator API and HTTP
        MetricsRegistry metrics = new MetricsRegistry();
        AgentMetrics.register(metrics, this::report, handler);
        try {
            closers.add(0, new LocalApi(config.cliSocket(), this::api, Thread.ofPlatform().name("weft-api").daemon().factory()));
            closers.add(0, new HttpEndpoints(config.httpAddress().getHostString().equals("0.0.0.0")
                    ? new InetSocketAddress(config.httpAddress().getPort())
                    : new InetSocketAddress(config.httpAddress().getHostString(), config.httpAddress().getPort()),
                    workers, metrics, this::liveness, this::currentProblems));
        } catch (IOException e) {
            throw new StartupException("cannot open the status socket " + config.cliSocket() + " or HTTP " + config.httpAddress()
                    + ": " + e.getMessage(), e);
        }
        log.atInfo().addKeyValue("cni", config.cniSocket()).addKeyValue("api", config.cliSocket())
                .addKeyValue("http", config.httpAddress()).log("weft agent running");
    }

    private IpamNode openIpam(Identity identity) throws StartupException {
        Cidr range = Cidr.parse(config.clusterRange());
        IpamConfig ic = IpamConfig.of(range, config.blockSize());
        long self = Long.parseUnsignedLong(identity.peerId(), 16);
        try {
            IpamNode ipam = IpamNode.open(ic, new FileIpamStore(config.stateDir()), self, identity.nickname());
            if (!config.kubernetes() && !config.ipamSeeds().isEmpty()) ipam.bootstrapFromSeeds(config.ipamSeeds());
            return ipam;
        } catch (IOException e) {
            throw new StartupException("cannot load IPAM state from " + config.stateDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new StartupException("IPAM state in " + config.stateDir() + " does not fit this configuration: " + e.getMessage()
                    + ". If the cluster range or block size changed on purpose, the whole cluster must be re-created "
                    + "(remove the state directory on every node).", e);
        }
    }

    /**
     * podCIDR mode: this node owns exactly its pod CIDR (from {@code --pod-cidr} or its Kubernetes Node), as a ring of
     * its own that is never gossiped; peers' ranges come from their node records. The allocator, persistence, gateway
     * reservation and GC are the same as in ring mode.
     */
    private IpamNode openPodCidrIpam(Identity identity) throws StartupException {
        String cidr = config.podCidr();
        if (cidr == null) {
            try {
                cidr = kubernetes.ownPodCidr().orElseThrow(() -> new IllegalStateException(
                        "node " + config.nodeName() + " has no IPv4 spec.podCIDR; enable --allocate-node-cidrs in the controller manager or use --ipam-mode=ring"));
            } catch (RuntimeException e) {
                throw new StartupException("podCIDR mode: " + e.getMessage(), e);
            }
        }
        Cidr range = Cidr.parse(cidr);
        int block = (int) Math.min(config.blockSize(), range.sizeLong());
        try {
            IpamNode ipam = IpamNode.open(IpamConfig.of(range, block), new FileIpamStore(config.stateDir()),
                    Long.parseUnsignedLong(identity.peerId(), 16), identity.nickname());
            if (ipam.ring().isEmpty()) ipam.bootstrapAsCreator("podcidr:" + range);
            ipam.markSynced(); // nobody else can own this range: there is nothing to sync
            log.atInfo().addKeyValue("range", range).log("podCIDR mode: this node hands out addresses from its own pod CIDR");
            return ipam;
        } catch (IOException e) {
            throw new StartupException("cannot load IPAM state from " + config.stateDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new StartupException("IPAM state in " + config.stateDir() + " does not fit pod CIDR " + range + ": " + e.getMessage()
                    + ". The node's pod CIDR changed: drain the node and remove the state directory.", e);
        }
    }

    private void tick() {
        if (closing) return;
        agent.tick();
        if (kubernetes != null) kubernetes.tick(agent, monotonicMillis());
        readiness = List.copyOf(agent.problems());
        podMtu = agent.lastDesired().map(d -> d.device().mtu()).filter(m -> m > 0)
                .orElse(config.mtu() > 0 ? config.mtu() : agent.underlay().mtu() - DatapathConfig.VXLAN_OVERHEAD_V4);
    }

    /** Readiness right now (asks the loop; falls back to the last tick's answer if the loop is busy). */
    private List<String> currentProblems() {
        try {
            return loop.call("readiness", 1_000, () -> List.copyOf(agent.problems()));
        } catch (Exception e) {
            return readiness;
        }
    }

    private void startNetlinkWatch() {
        Thread t = Thread.ofPlatform().name("weft-netlink-events").daemon().unstarted(() -> {
            try (NetlinkEvents events = NetlinkEvents.open()) {
                while (!closing) {
                    boolean relevant = false;
                    for (NetlinkEvent e : events.poll(1000)) relevant |= agent.reconciler().isRelevant(e);
                    if (relevant) loop.post("kernel changed", agent::kernelChanged);
                }
            } catch (RuntimeException e) {
                if (!closing) {
                    log.atWarn().log("netlink event subscription failed: " + e.getMessage()
                            + "; hand-deleted routes are still repaired by the periodic reconcile (every 10s)");
                }
            }
        });
        t.start();
    }

    /** The report, built from gossip's snapshot (fetched here, off the loop) and the loop's own state. */
    Map<String, Object> report() {
        GossipStatus g = null;
        try {
            g = bus.status();
        } catch (RuntimeException e) {
            log.atDebug().log("gossip status unavailable: " + e.getMessage());
        }
        GossipStatus gs = g;
        try {
            return loop.call("report", 5_000, () -> Reports.build(agent, gs));
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private Map<String, Object> api(Map<String, Object> req) throws LocalApi.ApiException {
        String cmd = String.valueOf(req.get("cmd"));
        switch (cmd) {
            case "report" -> {
                try {
                    return Json.obj("report", report());
                } catch (RuntimeException e) {
                    throw new LocalApi.ApiException("the agent could not build its report: " + e.getMessage());
                }
            }
            case "rmpeer" -> {
                String peer = String.valueOf(req.get("peer"));
                try {
                    return Json.obj("message", loop.call("rmpeer", 10_000, () -> agent.rmpeer(peer)));
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new LocalApi.ApiException(e.getMessage());
                } catch (Exception e) {
                    throw new LocalApi.ApiException("rmpeer failed: " + e.getMessage());
                }
            }
            default -> throw new LocalApi.ApiException("unknown command '" + cmd + "'; allowed: report, rmpeer");
        }
    }

    private List<String> liveness() {
        try {
            loop.call("liveness", 2_000, () -> Boolean.TRUE);
            return List.of();
        } catch (Exception e) {
            return List.of("agent loop unresponsive: " + e.getMessage());
        }
    }

    private void selfRemoved() {
        try {
            agent.ipam().discardState();
            Identity.renew(config.stateDir(), config.nodeName(), agent.identity().incarnation(), new SecureRandom());
        } catch (IOException e) {
            log.atError().log("could not reset state after removal: " + e.getMessage());
        }
        log.atError().log("exiting so the agent restarts and joins as a new peer (exit code " + EXIT_REMOVED + ")");
        exitCode.set(EXIT_REMOVED);
        stopped.countDown();
    }

    /** Blocks until SIGTERM/SIGINT (or a fatal condition) and returns the exit code. */
    public int awaitStop() throws InterruptedException {
        stopped.await();
        return exitCode.get();
    }

    public void requestStop() {
        stopped.countDown();
    }

    @Override
    public void close() {
        closing = true;
        if (gossip != null) {
            try {
                gossip.leave(Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.atDebug().log("graceful leave did not complete: " + e.getMessage());
            }
        }
        for (AutoCloseable c : closers) {
            try {
                c.close();
            } catch (Exception e) {
                log.atDebug().log("close failed: " + e);
            }
        }
        if (loop != null) {
            try {
                loop.shutdown(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdownNow();
        log.atInfo().log("weft agent stopped; the kernel datapath stays in place so pods keep talking");
    }

    private List<InetSocketAddress> seeds() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String p : config.peers()) {
            InetSocketAddress u = AgentOptions.parseHostPort(p, config.gossipPort());
            out.add(new InetSocketAddress(u.getHostString(), u.getPort()));
        }
        return out;
    }

    private List<byte[]> secrets() throws IOException {
        if (config.secretFile() == null) return List.of();
        List<byte[]> keys = new ArrayList<>();
        for (String line : Files.readAllLines(config.secretFile(), StandardCharsets.UTF_8)) {
            String k = line.strip();
            if (k.isEmpty() || k.startsWith("#")) continue;
            if (k.length() < 16) {
                throw new IllegalArgumentException("a key in " + config.secretFile() + " is shorter than 16 characters; use a long random "
                        + "secret (e.g. openssl rand -hex 32)");
            }
            keys.add(k.getBytes(StandardCharsets.UTF_8));
        }
        if (keys.isEmpty()) throw new IllegalArgumentException("--secret-file " + config.secretFile() + " holds no key");
        return keys;
    }

    private static long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

}
