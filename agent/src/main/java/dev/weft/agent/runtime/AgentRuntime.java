package dev.weft.agent.runtime;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.SecretFile;
import dev.weft.agent.core.ControllerSettings;
import dev.weft.agent.core.LocalNode;
import dev.weft.agent.core.StagedStore;
import dev.weft.agent.state.Identity;
import dev.weft.agent.state.PeerKeyPins;
import dev.weft.agent.state.StateDirLock;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.Underlay;
import dev.weft.datapath.VtepMacStore;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkEvent;
import dev.weft.datapath.netlink.NetlinkEvents;
import dev.weft.datapath.netlink.RtNetlink;
import dev.weft.datapath.netlink.Sysctl;
import dev.weft.datapath.nft.NftTable;
import dev.weft.gossip.GossipConfig;
import dev.weft.gossip.GossipNode;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.store.FileIpamStore;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the agent on a real node: decides every thread (the controller's, gossip's event loop, the disk and
 * kernel workers, CNI and API workers, the threads that enter pod namespaces), wires the modules together and runs
 * until SIGTERM. Graceful shutdown leaves the kernel datapath in place so pods keep talking while the agent restarts.
 */
public final class AgentRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntime.class);
    /** Exit code when the node was removed from the cluster and must restart with a new identity. */
    public static final int EXIT_REMOVED = 75;

    /** How long binding gossip's sockets may take at start (the event loop may be slow on a loaded node). */
    private static final int GOSSIP_START_TIMEOUT_S = 30;

    private final AgentConfig config;
    private final List<AutoCloseable> closers = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger exitCode = new AtomicInteger(0);
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private AgentCore core;
    private GossipNode gossip;
    private Identity identity;
    private Underlay underlay;
    private KubernetesIntegration kubernetes;
    private volatile boolean closing;
    private StateDirLock stateLock;

    /** A start-up failure with what the operator should do, and the exit code (1, or 2 for a usage error). */
    public static final class StartupException extends Exception {
        private final int exitCode;

        public StartupException(String m, Throwable cause) {
            this(m, cause, 1);
        }

        public StartupException(String m, Throwable cause, int exitCode) {
            super(m, cause);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** Exit code when another agent holds the state directory (the same code as an invalid configuration). */
    public static final int EXIT_STATE_DIR_LOCKED = 2;

    /** Exit code when {@code --require-self-certifying-ids} refuses this node's legacy id (a configuration error). */
    public static final int EXIT_LEGACY_ID_REFUSED = 2;

    public AgentRuntime(AgentConfig config) {
        this.config = config;
    }

    public void start() throws StartupException {
        try {
            stateLock = StateDirLock.acquire(config.stateDir()); // first taken, last released (end of close())
        } catch (StateDirLock.HeldException e) {
            throw new StartupException(e.getMessage(), e, EXIT_STATE_DIR_LOCKED);
        } catch (IOException e) {
            throw new StartupException(
                    "cannot lock the state directory " + config.stateDir() + ": " + e.getMessage()
                            + "; check that it exists and is writable by the agent",
                    e);
        }
        SecureRandom random = new SecureRandom();
        try {
            identity = Identity.loadOrCreate(
                    config.stateDir(), config.nodeName(), random, config.requireSelfCertifyingIds());
        } catch (Identity.LegacyIdRefused e) {
            throw new StartupException(e.getMessage(), e, EXIT_LEGACY_ID_REFUSED);
        } catch (IOException e) {
            throw new StartupException(
                    "cannot read or write the state directory " + config.stateDir() + ": " + e.getMessage()
                            + "; check that it exists, is writable by the agent and the disk is not full",
                    e);
        }
        log.atInfo()
                .addKeyValue("peer", identity.peerId())
                .addKeyValue("nickname", identity.nickname())
                .addKeyValue("incarnation", identity.incarnation())
                .addKeyValue("version", dev.weft.agent.Version.get())
                .addKeyValue("identity", identity.selfCertifying() ? "self-certifying" : "legacy")
                .log("weft agent starting");
        if (!identity.selfCertifying()) {
            log.atWarn()
                    .addKeyValue("peer", identity.peerId())
                    .log("this node keeps its peer id from before identity keys (a legacy id): other peers trust its"
                            + " identity key on first sight instead of checking it against the id. For full"
                            + " protection, move it to a self-certifying id when convenient: drain it, weft rmpeer it,"
                            + " empty its state directory and start it again (SECURITY.md, Node identity)");
        }

        RtNetlink host = RtNetlink.open();
        closers.add(host);
        try {
            underlay = Underlay.detect(
                    host,
                    config.advertiseAddress() == null ? null : IpAddress.parse(config.advertiseAddress()),
                    config.underlayInterface(),
                    config.vxlanDevice());
        } catch (Underlay.NotFound e) {
            throw new StartupException("cannot find this node's underlay: " + e.getMessage(), e);
        }
        log.atInfo()
                .addKeyValue("addr", underlay.address())
                .addKeyValue("dev", underlay.interfaceName())
                .addKeyValue("mtu", underlay.mtu())
                .addKeyValue("subnet", underlay.subnet())
                .log("underlay detected");
        try {
            Sysctl.write("net/ipv4/ip_forward", "1");
        } catch (RuntimeException e) {
            log.atWarn()
                    .log("could not enable net.ipv4.ip_forward: " + e.getMessage()
                            + "; pods on other nodes will not be reachable");
        }
        if (config.dualStack() || config.clusterRange().contains(":")) {
            try {
                Sysctl.write("net/ipv6/conf/all/forwarding", "1");
            } catch (RuntimeException e) {
                log.atWarn()
                        .addKeyValue("family", "IPv6")
                        .log("could not enable net.ipv6.conf.all.forwarding: " + e.getMessage()
                                + "; IPv6 pods on other nodes will not be reachable (is IPv6 disabled on this node? "
                                + "'weft doctor' checks it)");
            }
        }
        MacAddress vtepMac = VtepMacStore.loadOrCreate(config.stateDir(), random);

        if (config.kubernetes()) {
            kubernetes = new KubernetesIntegration(config, identity, workers);
            closers.add(kubernetes);
        }
        FileIpamStore disk = new FileIpamStore(config.stateDir());
        StagedStore[] staged = new StagedStore[1];
        IpamNode ipam = config.podCidrMode()
                ? IpamOpening.podCidr(config, identity, podCidr(), disk, staged)
                : IpamOpening.ring(config, identity, disk, staged);
        AgentCore.V6Ring v6 = null;
        if (config.dualStack()) {
            FileIpamStore diskV6 = new FileIpamStore(config.stateDir(), FileIpamStore.FILE_NAME_V6);
            StagedStore[] stagedV6 = new StagedStore[1];
            IpamNode ipamV6 = config.podCidrMode()
                    ? IpamOpening.podCidrV6(config, identity, podCidrV6(), diskV6, stagedV6)
                    : IpamOpening.ringV6(config, identity, diskV6, stagedV6);
            v6 = new AgentCore.V6Ring(ipamV6, stagedV6[0], diskV6);
        }
        if (kubernetes != null && !config.podCidrMode()) {
            try {
                kubernetes.bootstrapRing(ipam);
                if (v6 != null) kubernetes.bootstrapRingV6(v6.ipam());
            } catch (IOException | RuntimeException e) {
                throw new StartupException(
                        "Kubernetes ring bootstrap failed: " + e.getMessage()
                                + "; is the API server reachable and does the weft ServiceAccount have its RBAC?",
                        e);
            }
        }
        DatapathConfig dpc = DatapathConfig.defaults()
                .withDevice(config.vxlanDevice())
                .withVni(config.vni())
                .withPort(config.vxlanPort())
                .withMtu(config.mtu())
                .withDirectRouting(config.datapath() == AgentConfig.DatapathMode.AUTO);
        List<byte[]> clusterKeys;
        try {
            SecretFile.Keys keys = GossipSettings.secrets(config);
            keys.warnings().forEach(w -> log.atWarn().log(w));
            clusterKeys = keys.keys();
        } catch (SecretFile.InvalidSecretException e) {
            throw new StartupException("invalid cluster secret: " + e.getMessage(), e);
        }
        if (config.encryptionDisabled()) {
            log.atWarn()
                    .log(
                            "encryption is DISABLED (--encryption=disabled): gossip is not encrypted and anyone who can reach "
                                    + "port " + config.gossipPort()
                                    + " can read and change this cluster's membership and address ownership; "
                                    + "make a secret with 'weft secret generate', give it to every node with --secret-file and drop --encryption=disabled");
        }

        MultiThreadIoEventLoopGroup sleeveGroup = new MultiThreadIoEventLoopGroup(
                1, Thread.ofPlatform().name("weft-sleeve-io").daemon().factory(), EpollIoHandler.newFactory());
        closers.add(() -> sleeveGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        LocalNode self = new LocalNode(
                identity.peerId(),
                identity.nickname(),
                identity.incarnation(),
                underlay.address(),
                underlay.interfaceName(),
                underlay.mtu(),
                underlay.subnet(),
                vtepMac);
        // probe answers and path changes are handed to the core's kernel thread and controller (they exist before the
        // first tick)
        SleeveIntegration sleeve = new SleeveIntegration(
                config,
                identity.peerId(),
                vtepMac,
                underlay.mtu(),
                !underlay.address().isIpv4(),
                clusterKeys,
                sleeveGroup,
                Thread.ofPlatform().name("weft-sleeve-", 0).daemon().factory(),
                r -> core.onKernelThread(r),
                () -> core.kernelChanged());
        closers.add(0, sleeve);
        ControllerSettings settings =
                ControllerSettings.of(config, sleeve.available() ? Optional.of(sleeve.publicKey()) : Optional.empty());
        core = new AgentCore(
                new AgentCore.Parts(
                        self,
                        settings,
                        ipam,
                        staged[0],
                        disk,
                        report -> new DatapathWorker(
                                new Reconciler(host, dpc), dpc, new NftTable(List.of("nft")), sleeve, report),
                        AgentRuntime::monotonicMillis,
                        this::selfRemoved,
                        v6),
                "weft-");

        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1, Thread.ofPlatform().name("weft-gossip").daemon().factory(), EpollIoHandler.newFactory());
        closers.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        PeerKeyPins pins = new PeerKeyPins(config.stateDir(), workers);
        GossipConfig gc;
        try {
            gc = GossipConfig.builder(config.clusterName(), identity.peerId())
                    .incarnation(identity.incarnation())
                    .identityKey(identity.key())
                    // refusing legacy ids pins nothing and loads no earlier pins
                    .pinnedKeys(config.requireSelfCertifyingIds() ? Map.of() : pins.loadOrNone())
                    .refuseLegacyIds(config.requireSelfCertifyingIds())
                    .bind(InetAddress.getByName(config.bindAddress()), config.gossipPort())
                    .advertiseAddress(new InetSocketAddress(underlay.address().toInetAddress(), config.gossipPort()))
                    .seeds(GossipSettings.seeds(config))
                    .secrets(clusterKeys)
                    .maxMessageBytes(Math.min(SpaceMessages.MAX_GRANT_BYTES, (8 << 20) - 4096))
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException("invalid gossip settings: " + e.getMessage(), e);
        }
        core.gossipListener().onKeyPinned(pins::pinned);
        gossip = GossipNode.create(gc, group, core.gossipListener());
        core.start(gossip);
        closers.add(0, core);
        String gossipAt = config.bindAddress() + ":" + config.gossipPort();
        try {
            gossip.start().get(GOSSIP_START_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new StartupException(
                    "gossip did not start on " + gossipAt + " within " + GOSSIP_START_TIMEOUT_S + " s: its event"
                            + " loop did not bind the sockets in time; the node may be overloaded (see its load and"
                            + " the agent's CPU limit); the agent exits so that it is restarted",
                    e);
        } catch (Exception e) {
            throw new StartupException(
                    "gossip could not start on " + gossipAt + ": " + rootMessage(e)
                            + "; is another agent already running on this node, or the port taken?",
                    e);
        }
        closers.add(0, () -> gossip.close());
        log.atInfo()
                .addKeyValue("port", config.gossipPort())
                .addKeyValue("seeds", config.peers())
                .addKeyValue("encrypted", !gc.secrets().isEmpty())
                .log("gossip started");

        if (config.secretFile() != null && !clusterKeys.isEmpty()) {
            // a changed secret file is applied without a restart: gossip at once, the sleeve on its own thread
            SecretWatch watch = new SecretWatch(
                    config.secretFile(),
                    config.clusterName(),
                    clusterKeys,
                    SecretWatch.INTERVAL,
                    monotonicMillis(),
                    keys -> {
                        gossip.setSecrets(keys);
                        core.onKernelThread(() -> sleeve.setSecrets(keys));
                    });
            closers.add(0, SecretWatch.start(watch, AgentRuntime::monotonicMillis));
        }
        if (kubernetes != null) kubernetes.start(core.loop(), gossip);
        startNetlinkWatch(core.datapath().reconciler());
        OperatorEndpoints.start(
                config, underlay, core, gossip, kubernetes, host, workers, closers, identity.selfCertifying());
    }

    private String podCidr() throws StartupException {
        if (config.podCidr() != null) return config.podCidr();
        try {
            return kubernetes
                    .ownPodCidr()
                    .orElseThrow(
                            () -> new IllegalStateException(
                                    "node " + config.nodeName()
                                            + " has no IPv4 spec.podCIDR; enable --allocate-node-cidrs in the controller manager or use --ipam-mode=ring"));
        } catch (RuntimeException e) {
            throw new StartupException("podCIDR mode: " + e.getMessage(), e);
        }
    }

    /** podCIDR mode, dual stack: this node's IPv6 pod CIDR (from {@code --pod-cidr} or its Node's spec.podCIDRs). */
    private String podCidrV6() throws StartupException {
        if (config.podCidrV6() != null) return config.podCidrV6();
        if (kubernetes == null) {
            throw new StartupException(
                    "podCIDR mode with a dual-stack --cluster-range needs an IPv6 --pod-cidr too (10.32.1.0/24,fd00:10:32:1::/64)",
                    null);
        }
        try {
            return kubernetes
                    .ownPodCidrV6()
                    .orElseThrow(() -> new IllegalStateException("node " + config.nodeName()
                            + " has no IPv6 entry in spec.podCIDRs; give the controller manager a dual-stack "
                            + "--cluster-cidr, or use a single-stack --cluster-range"));
        } catch (RuntimeException e) {
            throw new StartupException("podCIDR mode: " + e.getMessage(), e);
        }
    }

    private void startNetlinkWatch(Reconciler reconciler) {
        Thread t = Thread.ofPlatform().name("weft-netlink-events").daemon().unstarted(() -> {
            try (NetlinkEvents events = NetlinkEvents.open()) {
                while (!closing) {
                    boolean relevant = false;
                    for (NetlinkEvent e : events.poll(1000)) relevant |= reconciler.isRelevant(e);
                    if (relevant) core.kernelChanged();
                }
            } catch (RuntimeException e) {
                if (!closing) {
                    log.atWarn()
                            .log("netlink event subscription failed: " + e.getMessage()
                                    + "; hand-deleted routes are still repaired by the periodic reconcile (every 10s)");
                }
            }
        });
        t.start();
    }

    private void selfRemoved() {
        try {
            core.deleteStateNow();
            Identity.renew(config.stateDir(), config.nodeName(), identity.incarnation(), new SecureRandom());
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
        workers.shutdownNow();
        if (stateLock != null) {
            try {
                stateLock.close();
            } catch (IOException e) {
                log.atDebug().log("releasing the state directory lock failed: " + e);
            }
        }
        log.atInfo().log("weft agent stopped; the kernel datapath stays in place so pods keep talking");
    }

    static long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
