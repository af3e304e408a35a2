package dev.weft.agent.runtime;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.core.SleeveTarget;
import dev.weft.datapath.DatapathMode;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.Sysctl;
import dev.weft.datapath.sleeve.PathHealth;
import dev.weft.datapath.sleeve.ProbeAuth;
import dev.weft.datapath.sleeve.SleeveBackend;
import dev.weft.datapath.sleeve.SleeveConfig;
import dev.weft.datapath.sleeve.SleeveCounters;
import dev.weft.datapath.sleeve.SleeveCrypto;
import dev.weft.datapath.sleeve.SleeveDropLog;
import dev.weft.datapath.sleeve.SleeveKeys;
import dev.weft.datapath.sleeve.SleevePeer;
import dev.weft.datapath.sleeve.VxlanProbe;
import dev.weft.id.PeerId;
import dev.weft.ipam.addr.IpAddress;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The userspace sleeve, chosen per peer (DESIGN §6): the agent probes each peer's kernel VXLAN path every tick
 * (UDP probes pinned to the VXLAN device); after a few lost probes the peer's routes move to the sleeve's TUN
 * device, and back when the kernel path answers again. With {@code --encrypt-pod-traffic} every peer uses the
 * encrypted sleeve and kernel VXLAN carries no pod traffic. Runs on the datapath worker's thread (probe answers are handed to it too).
 */
final class SleeveIntegration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SleeveIntegration.class);

    private final AgentConfig config;
    private final long self;
    private final MacAddress vtepMac;
    private final int underlayMtu;
    /** The node's underlay is IPv6: the sleeve's sockets are IPv6 and it reaches the peers with IPv6 underlays. */
    private final boolean underlayIpv6;

    private final EventLoopGroup group;
    private final ThreadFactory threads;
    private final java.util.concurrent.Executor onWorker;
    private final Runnable onChange;
    private final byte[] privateKey;
    private final byte[] publicKey;
    private SleeveCrypto crypto;
    private final boolean tunAvailable;
    private final PathHealth health;
    private final Set<Long> tracked = new HashSet<>();
    private volatile SleeveBackend backend;
    private SleeveDropLog dropLog;
    private volatile VxlanProbe probe;
    /** Probe keys per peer, from the peers' sleeve keys (their signed node records); worker thread only. */
    private ProbeAuth probeAuth;

    private Map<Long, byte[]> probePeerKeys = Map.of();
    /** Probe drops of probe sockets already closed (a re-created socket starts counting at 0). */
    private final java.util.concurrent.atomic.AtomicLongArray closedProbeDrops =
            new java.util.concurrent.atomic.AtomicLongArray(ProbeAuth.Drop.values().length);

    private String lastError;
    private long seq;
    private int probeDeviceIndex;

    SleeveIntegration(
            AgentConfig config,
            PeerId self,
            MacAddress vtepMac,
            int underlayMtu,
            boolean underlayIpv6,
            List<byte[]> clusterSecrets,
            EventLoopGroup group,
            ThreadFactory threads,
            java.util.concurrent.Executor onWorker,
            Runnable onChange) {
        this.config = config;
        this.self = self.value();
        this.vtepMac = vtepMac;
        this.underlayMtu = underlayMtu;
        this.underlayIpv6 = underlayIpv6;
        this.group = group;
        this.threads = threads;
        this.onWorker = onWorker;
        this.onChange = onChange;
        this.privateKey = SleeveKeys.generatePrivateKey(new SecureRandom());
        this.publicKey = SleeveKeys.publicKey(privateKey);
        // every configured key, primary first: send with the primary, accept any (rotation), like gossip
        this.crypto = clusterSecrets.isEmpty() ? null : SleeveCrypto.of(privateKey, clusterSecrets);
        this.probeAuth = newProbeAuth();
        this.tunAvailable = Files.exists(Path.of("/dev/net/tun"));
        // 5 lost probes (5 s): slower than SWIM's suspicion of a stopped or hung agent, whose probe responder is
        // down too; such a peer leaves the probe set before its kernel path would be judged failed.
        this.health = new PathHealth(
                new PathHealth.Settings(5, 5, java.time.Duration.ofSeconds(1), true), (peer, from, to, reason) -> {
                    String id = PeerId.of(peer).toString();
                    if (to == PathHealth.Mode.SLEEVE) {
                        log.atWarn()
                                .addKeyValue("peer", PeerId.of(peer))
                                .log("kernel VXLAN path to peer failed (" + reason
                                        + "): pod traffic now goes through the userspace sleeve on UDP "
                                        + config.sleevePort()
                                        + "; is UDP " + config.vxlanPort() + " blocked between the nodes?");
                    } else {
                        log.atInfo()
                                .addKeyValue("peer", PeerId.of(peer))
                                .log("kernel VXLAN path to peer works again (" + reason
                                        + "): pod traffic is back on the kernel datapath");
                    }
                    if (id != null) onChange.run();
                });
        if (!tunAvailable) {
            log.atWarn()
                    .log("/dev/net/tun is missing: no sleeve fallback on this node; mount it or load the tun driver");
        }
    }

    boolean available() {
        return tunAvailable;
    }

    byte[] publicKey() {
        return publicKey;
    }

    boolean running() {
        return backend != null;
    }

    /** The sleeve's data-plane counters (drops by reason included) once it runs; read from any thread. */
    Optional<SleeveCounters> counters() {
        SleeveBackend b = backend;
        return b == null ? Optional.empty() : Optional.of(b.counters());
    }

    /** Kernel-path probe packets dropped since start, by reason (read from any thread). */
    Map<ProbeAuth.Drop, Long> probeDrops() {
        VxlanProbe p = probe;
        Map<ProbeAuth.Drop, Long> out = new java.util.EnumMap<>(ProbeAuth.Drop.class);
        for (ProbeAuth.Drop d : ProbeAuth.Drop.values()) {
            out.put(d, closedProbeDrops.get(d.ordinal()) + (p == null ? 0 : p.dropped(d)));
        }
        return out;
    }

    private void closeProbe() {
        VxlanProbe p = probe;
        probe = null;
        for (ProbeAuth.Drop d : ProbeAuth.Drop.values()) closedProbeDrops.addAndGet(d.ordinal(), p.dropped(d));
        p.close();
    }

    String deviceName() {
        return backend == null ? null : backend.deviceName();
    }

    /** Every tick: start what can start, follow the peers, probe the kernel paths. */
    void tick(Optional<IpAddress> ownVtep, List<SleeveTarget> peers, long nowNanos, int vxlanIndex) {
        if (!tunAvailable || ownVtep.isEmpty()) return;
        if (probe != null && vxlanIndex != probeDeviceIndex) {
            // the VXLAN device was recreated (deleted by hand, or replaced): the probe socket is bound to the old one
            closeProbe();
            for (Long id : new HashSet<>(tracked)) health.removePeer(id);
            tracked.clear();
        }
        if (backend == null) {
            try {
                SleeveConfig sc = SleeveConfig.plain(self, ownVtep.get(), vtepMac, config.vni())
                        .withPorts(config.sleevePort(), config.sleevePort())
                        .withUnderlayMtu(underlayMtu)
                        .withUnderlayIpv6(underlayIpv6);
                if (crypto != null) sc = sc.withCrypto(crypto);
                backend = SleeveBackend.start(sc, group, threads, InstantSource.system(), new SecureRandom());
                dropLog = new SleeveDropLog(
                        backend.counters(), line -> log.atWarn().log(line));
                lastError = null;
                onChange.run();
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).equals(lastError)) {
                    log.atWarn()
                            .log("the sleeve could not start (" + e.getMessage()
                                    + "); peers whose kernel path fails are unreachable");
                }
                lastError = String.valueOf(e.getMessage());
                return;
            }
        }
        dropLog.check(nowNanos); // at most one line a minute, never one per packet
        List<SleevePeer> sp = new ArrayList<>();
        Set<Long> now = new HashSet<>();
        for (SleeveTarget p : peers) {
            // a peer whose underlay is of the other family is not reachable (the kernel path skips it too)
            if (p.vtep() == null || p.mac() == null || p.underlay().isIpv4() == underlayIpv6) continue;
            long id = p.id().value();
            now.add(id);
            try {
                sp.add(new SleevePeer(
                        id,
                        p.underlay(),
                        p.vtep(),
                        p.mac(),
                        p.cidrs(),
                        p.publicKey() != null && p.publicKey().length == 32 ? p.publicKey() : null,
                        p.vtepV6()));
            } catch (IllegalArgumentException e) {
                log.atDebug().addKeyValue("peer", p.id()).log("peer not usable by the sleeve: " + e.getMessage());
            }
        }
        backend.setPeers(sp);
        Map<Long, byte[]> keys = new java.util.HashMap<>();
        for (SleevePeer p : sp) keys.put(p.peerId(), p.publicKey());
        probePeerKeys = keys;
        ProbeAuth nextAuth = probeAuth.withPeers(keys);
        if (nextAuth != probeAuth) {
            probeAuth = nextAuth;
            if (probe != null) probe.setAuth(probeAuth);
        }
        for (Long gone : new HashSet<>(tracked)) {
            if (!now.contains(gone)) {
                health.removePeer(gone);
                tracked.remove(gone);
            }
        }
        if (config.encryptPodTraffic()) return; // no kernel path to probe: everything goes through the sleeve
        if (probe == null) {
            try {
                if (vxlanIndex == 0) return; // no VXLAN device yet
                probe = VxlanProbe.start(
                        self,
                        ownVtep.get(),
                        config.vxlanDevice(),
                        VxlanProbe.DEFAULT_PORT,
                        group,
                        (peer, s) -> onWorker.execute(() -> health.onProbeAck(peer, s, System.nanoTime())),
                        probeAuth);
                probeDeviceIndex = vxlanIndex;
                loosenRpFilter(config.vxlanDevice());
            } catch (RuntimeException e) {
                return; // the VXLAN device or its address is not there yet: next tick
            }
        }
        for (SleevePeer p : sp) {
            if (tracked.add(p.peerId())) health.addPeer(p.peerId());
            long s = ++seq;
            health.onProbeSent(p.peerId(), s, nowNanos);
            probe.send(p.peerId(), p.vtepAddress(), s); // false (a lost probe) if the peer has no sleeve key
        }
        health.onTick(nowNanos);
    }

    /**
     * Probes are tagged per pair of nodes: keys from this node's sleeve key, each peer's sleeve key and the cluster
     * secret (none when encryption is disabled).
     */
    private ProbeAuth newProbeAuth() {
        return crypto == null
                ? ProbeAuth.none()
                : ProbeAuth.of(self, privateKey, crypto.psks()).withPeers(probePeerKeys);
    }

    /**
     * The cluster secret file changed (on the worker's thread): the sleeve and the probes send with the first key and
     * accept every one. A node started without a secret stays without one (that needs a restart).
     */
    void setSecrets(List<byte[]> clusterSecrets) {
        if (crypto == null || clusterSecrets.isEmpty()) return;
        crypto = SleeveCrypto.of(privateKey, clusterSecrets);
        if (backend != null) backend.setPsks(crypto.psks());
        probeAuth = newProbeAuth();
        if (probe != null) probe.setAuth(probeAuth);
    }

    /**
     * Strict reverse-path filtering ({@code rp_filter=1}, the default of several distributions) drops probe answers
     * from a host-gw or sleeve peer: they arrive on the VXLAN device from the peer's VTEP address, whose route goes
     * through the underlay interface or the sleeve. Loose mode (2) on the VXLAN device alone lets them in (the
     * source is still checked against the routing table); a node without filtering (0) is left as it is.
     */
    private static void loosenRpFilter(String device) {
        String key = "net/ipv4/conf/" + device + "/rp_filter";
        try {
            int effective = Math.max(
                    Integer.parseInt(Sysctl.read("net/ipv4/conf/all/rp_filter")), Integer.parseInt(Sysctl.read(key)));
            if (effective != 1) return;
            Sysctl.write(key, "2");
            log.atInfo().log("rp_filter on " + device + " set to 2 (loose): strict reverse-path filtering drops the"
                    + " answers to the kernel path probes of host-gw and sleeve peers");
        } catch (RuntimeException e) {
            log.atWarn()
                    .log("cannot loosen rp_filter on " + device + " (" + e.getMessage() + "): with strict reverse-path"
                            + " filtering the kernel path probes of host-gw peers fail; run 'sysctl -w " + key
                            + "=2' on the node or make /proc/sys/net writable for the agent");
        }
    }

    /**
     * Forgets a peer's probe history: when it restarts, hangs and resumes, or changes state in gossip, probes that
     * failed because its agent (which answers them) was down say nothing about its kernel path.
     */
    void resetPeer(PeerId peerId) {
        long id = peerId.value();
        if (tracked.remove(id)) health.removePeer(id);
    }

    /** The datapaths usable towards a peer, given what it offers and what the probes say. */
    Set<DatapathMode> usable(String peerId, Set<DatapathMode> offered) {
        Set<DatapathMode> out = EnumSet.noneOf(DatapathMode.class);
        out.addAll(offered);
        if (backend == null || !offered.contains(DatapathMode.SLEEVE)) {
            out.remove(DatapathMode.SLEEVE);
            return out;
        }
        if (config.encryptPodTraffic() || health.mode(Long.parseUnsignedLong(peerId, 16)) == PathHealth.Mode.SLEEVE) {
            out.remove(DatapathMode.VXLAN);
            out.remove(DatapathMode.HOST_GW);
        }
        return out;
    }

    /** Per peer: "ok", or why the kernel path is not used. */
    Map<String, String> kernelPathHealth() {
        Map<String, String> out = new java.util.HashMap<>();
        for (PathHealth.PeerStatus s : health.snapshot()) {
            out.put(
                    PeerId.of(s.peerId()).toString(),
                    s.mode() == PathHealth.Mode.KERNEL
                            ? "ok"
                            : "kernel path failing (" + s.consecutiveFailures() + " probes lost)");
        }
        return out;
    }

    @Override
    public void close() {
        if (probe != null) closeProbe();
        if (backend != null) backend.close();
    }
}
