package dev.weft.agent.runtime;

import com.google.protobuf.ByteString;
import dev.weft.agent.Version;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.node.Underlay;
import dev.weft.agent.proto.NodeRecord;
import dev.weft.agent.state.Identity;
import dev.weft.datapath.ClusterView;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.DatapathMode;
import dev.weft.datapath.DesiredState;
import dev.weft.datapath.DesiredStateCalculator;
import dev.weft.datapath.ReconcileResult;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.nft.NftTable;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.swim.MemberView;
import dev.weft.ipam.GrantResult;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.ReclaimResult;
import dev.weft.ipam.RingUpdate;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.addr.IpRange;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.PeerIds;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's logic, owned by its one event loop: membership and node records from gossip, the IPAM ring
 * (a gossip CRDT channel), space requests between peers, the desired datapath and its reconcile, readiness.
 * Every method runs on the loop thread (gossip delivers its callbacks there too).
 */
final class NodeAgent implements GossipListener, CrdtChannel {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    static final String RING_CHANNEL = "ipam.ring";
    static final String TOPIC_SPACE_REQUEST = "ipam.space.request";
    static final String TOPIC_SPACE_GRANT = "ipam.space.grant";
    /** Full reconcile at least this often even when nothing changed (repairs what netlink events missed). */
    static final long RECONCILE_EVERY_MS = 10_000;

    private final AgentConfig config;
    private final Identity identity;
    private final long self;
    private final Underlay underlay;
    private final MacAddress vtepMac;
    private final IpamNode ipam;
    private final Reconciler reconciler;
    private final DatapathConfig datapathConfig;
    private final NftTable nft;
    private final LongSupplier nowMillis;
    private final PeerTable peers = new PeerTable();
    private final Runnable onSelfRemoved;

    private ClusterBus bus;
    private SleeveIntegration sleeve;
    private long recordVersion;
    private byte[] lastRecord = new byte[0];
    private boolean viewDirty = true;
    private long lastReconcileMs = Long.MIN_VALUE / 2;
    private ReconcileResult lastReconcile;
    private DesiredState lastDesired;
    private boolean datapathProgrammed;
    private String datapathError;
    private String ipamError;
    private boolean removed;
    private boolean heardRing;
    private boolean seedClaimDone;
    private final long startedMs;
    /** With seeds and no live peer after this long, this node is creating the cluster and claims its share alone. */
    static final long SEED_CLAIM_ALONE_AFTER_MS = 3_000;

    NodeAgent(AgentConfig config, Identity identity, Underlay underlay, MacAddress vtepMac, IpamNode ipam,
              Reconciler reconciler, DatapathConfig datapathConfig, NftTable nft, LongSupplier nowMillis, Runnable onSelfRemoved) {
        this.config = config;
        this.identity = identity;
        this.self = Long.parseUnsignedLong(identity.peerId(), 16);
        this.underlay = underlay;
        this.vtepMac = vtepMac;
        this.ipam = ipam;
        this.reconciler = reconciler;
        this.datapathConfig = datapathConfig;
        this.nft = nft;
        this.nowMillis = nowMillis;
        this.onSelfRemoved = onSelfRemoved;
        this.startedMs = nowMillis.getAsLong();
        ipam.setLivenessView(p -> p == self || peers.isAlive(PeerIds.format(p)));
    }

    void attach(ClusterBus bus) {
        this.bus = bus;
    }

    void attachSleeve(SleeveIntegration sleeve) {
        this.sleeve = sleeve;
    }

    Optional<SleeveIntegration> sleeve() {
        return Optional.ofNullable(sleeve);
    }

    // ---- gossip: membership and records -------------------------------------------------------------

    @Override
    public void onMemberUp(MemberView m) {
        if (sleeve != null) sleeve.resetPeer(m.id());
        boolean known = peers.get(m.id()).isPresent();
        if (peers.update(m)) viewDirty = true;
        log.atInfo().addKeyValue("peer", m.id()).addKeyValue("nickname", peers.get(m.id()).map(PeerTable.Peer::nickname).orElse("?"))
                .addKeyValue("addr", m.address()).addKeyValue("incarnation", m.incarnation())
                .log(known ? "peer is alive again" : "peer joined");
    }

    @Override
    public void onMemberSuspect(MemberView m) {
        if (sleeve != null) sleeve.resetPeer(m.id());
        if (peers.update(m)) viewDirty = true;
        log.atWarn().addKeyValue("peer", m.id()).addKeyValue("nickname", nick(m.id())).addKeyValue("addr", m.address())
                .log("peer is not answering probes and is suspected to have failed; if it does not refute soon it is "
                        + "declared dead: is its agent running, and are UDP and TCP " + config.gossipPort() + " open between the nodes?");
    }

    @Override
    public void onMemberDead(MemberView m) {
        if (sleeve != null) sleeve.resetPeer(m.id());
        if (peers.update(m)) viewDirty = true;
        log.atWarn().addKeyValue("peer", m.id()).addKeyValue("nickname", nick(m.id())).addKeyValue("addr", m.address())
                .log("peer declared dead: routes to its pods stay until its ranges are reclaimed; if the node is gone for "
                        + "good run 'weft rmpeer " + m.id() + "' on one node (Kubernetes does this when the Node is deleted)");
    }

    @Override
    public void onMemberLeft(MemberView m) {
        if (sleeve != null) sleeve.resetPeer(m.id());
        if (peers.update(m)) viewDirty = true;
        log.atInfo().addKeyValue("peer", m.id()).addKeyValue("nickname", nick(m.id())).log("peer left the cluster gracefully");
    }

    @Override
    public void onRecordChanged(MemberView m) {
        long before = peers.get(m.id()).flatMap(PeerTable.Peer::record).map(r -> r.record().getIncarnation()).orElse(-1L);
        if (peers.update(m)) viewDirty = true;
        long after = peers.get(m.id()).flatMap(PeerTable.Peer::record).map(r -> r.record().getIncarnation()).orElse(-1L);
        if (sleeve != null && before != after) sleeve.resetPeer(m.id()); // the peer's agent restarted
    }

    // ---- gossip: the IPAM ring channel ---------------------------------------------------------------

    /** The encoded ring as of the last loop task that could change it; read by gossip's thread without waiting. */
    private volatile byte[] ringBytes;

    @Override
    public byte[] localState() {
        byte[] b = ipam.localRingBytes().orElse(new byte[0]);
        ringBytes = b;
        return b;
    }

    /** The cached ring bytes, or null before the first refresh. */
    byte[] cachedRingBytes() {
        return ringBytes;
    }

    @Override
    public boolean merge(byte[] remote) {
        if (remote.length == 0 || removed) return false;
        RingUpdate u;
        try {
            u = ipam.applyRemoteRing(remote);
            ipamError = null;
        } catch (IOException e) {
            ipamError = "cannot persist IPAM state in " + config.stateDir() + ": " + e.getMessage();
            log.atError().addKeyValue("dir", config.stateDir()).log("IPAM state could not be saved; the ring update was not applied: "
                    + e.getMessage() + ". Is the state directory writable and the disk not full?");
            return false;
        } catch (RuntimeException e) {
            // typed ring errors: mismatch (another ring), conflict, invariant, refused takeover, decode.
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!msg.equals(ipamError)) {
                log.atError().addKeyValue("error", e.getClass().getSimpleName())
                        .log("refused a ring update from a peer: " + e.getMessage());
            }
            ipamError = msg;
            throw e;
        }
        heardRing = true;
        if (u.selfRemoved()) {
            selfRemoved();
            return false;
        }
        for (IpRange r : u.gained()) log.atInfo().addKeyValue("range", r).log("this node now owns a range");
        for (IpRange r : u.lost()) log.atInfo().addKeyValue("range", r).log("range moved to another node");
        if (u.changed()) {
            viewDirty = true;
            localState();
        }
        return u.changed();
    }

    private void selfRemoved() {
        removed = true;
        log.atError().addKeyValue("peer", identity.peerId())
                .log("this node's address ranges were reclaimed by another node while it was away (weft rmpeer, or its "
                        + "Kubernetes Node was deleted); discarding its IPAM state and starting over with a new peer id");
        onSelfRemoved.run();
    }

    @Override
    public void onChannelChanged(String name) {
        viewDirty = true;
    }

    // ---- point-to-point: space requests and grants ---------------------------------------------------

    @Override
    public void onMessage(String from, String topic, byte[] payload) {
        try {
            switch (topic) {
                case TOPIC_SPACE_REQUEST -> {
                    SpaceRequest req = SpaceMessages.decodeRequest(payload);
                    SpaceGrant grant = ipam.handleSpaceRequest(req);
                    bus.send(from, TOPIC_SPACE_GRANT, SpaceMessages.encode(grant));
                    if (grant.getRefusal().isEmpty()) {
                        log.atInfo().addKeyValue("peer", from).addKeyValue("nickname", nick(from))
                                .addKeyValue("ranges", grant.getGrantedCount()).log("gave address space to a peer that asked");
                        ringChanged();
                    }
                }
                case TOPIC_SPACE_GRANT -> {
                    GrantResult r = ipam.handleSpaceGrant(SpaceMessages.decodeGrant(payload));
                    switch (r) {
                        case GrantResult.Granted g -> {
                            log.atInfo().addKeyValue("peer", from).addKeyValue("nickname", nick(from)).addKeyValue("range", g.granted())
                                    .log("received address space from a peer");
                            ringChanged();
                        }
                        case GrantResult.Refused f -> log.atInfo().addKeyValue("peer", from)
                                .log("peer could not spare address space: " + f.reason() + "; will ask again");
                        case GrantResult.Ignored i -> log.atDebug().addKeyValue("peer", from).log("ignored space grant: " + i.reason());
                    }
                }
                default -> log.atDebug().addKeyValue("peer", from).addKeyValue("topic", topic).log("message with unknown topic dropped");
            }
        } catch (IOException e) {
            log.atError().addKeyValue("peer", from).log("IPAM state could not be saved while handling " + topic + ": " + e.getMessage());
        } catch (RuntimeException e) {
            log.atWarn().addKeyValue("peer", from).addKeyValue("topic", topic).log("bad IPAM message from peer dropped: " + e.getMessage());
        }
    }

    void ringChanged() {
        localState();
        viewDirty = true;
        if (bus != null) bus.channelChanged(RING_CHANNEL);
    }

    /** Local allocations changed (CNI ADD/DEL): pod routes and free counts follow. */
    void podsChanged() {
        viewDirty = true;
    }

    // ---- periodic work --------------------------------------------------------------------------------

    void tick() {
        if (removed) return;
        localState();
        long now = nowMillis.getAsLong();
        claimSeedShareWhenSynced(now);
        markSyncedWhenAlone(now);
        ipam.spaceRequestIfNeeded(now).ifPresent(this::sendSpaceRequest);
        publishRecordIfChanged();
        if (sleeve != null) sleeve.tick(ipam.gateway(), sleevePeers(), now * 1_000_000L, reconciler.status().deviceIndex());
        if (viewDirty || now - lastReconcileMs >= RECONCILE_EVERY_MS) reconcile(now);
    }

    /**
     * A seed node claims its share of the initial split once it has the cluster's current ring (merged one from
     * a live peer), or alone when no peer is alive a few seconds after start (the cluster is being created).
     */
    private void claimSeedShareWhenSynced(long now) {
        if (seedClaimDone || config.kubernetes() || config.podCidrMode() || config.ipamSeeds().isEmpty()) return;
        boolean anyAlive = peers.all().stream().anyMatch(PeerTable.Peer::alive);
        if (!heardRing && (anyAlive || now - startedMs < SEED_CLAIM_ALONE_AFTER_MS)) return;
        try {
            List<IpRange> claimed = ipam.claimSeedShare();
            seedClaimDone = true;
            if (!claimed.isEmpty()) {
                log.atInfo().addKeyValue("range", claimed).log("claimed this node's share of the initial address split");
                ringChanged();
            }
        } catch (IOException e) {
            log.atError().log("could not save IPAM state while claiming the seed share: " + e.getMessage());
        }
    }

    /**
     * A node restarted from disk hands out no new addresses until a peer's ring shows its ranges are still its own.
     * If no peer is alive a few seconds after start, it is alone (e.g. a one-node cluster) and its ring is current.
     */
    private void markSyncedWhenAlone(long now) {
        if (ipam.isSynced() || ipam.ring().isEmpty() || now - startedMs < SEED_CLAIM_ALONE_AFTER_MS) return;
        if (peers.all().stream().noneMatch(PeerTable.Peer::alive)) {
            ipam.markSynced();
            log.atInfo().log("no peer answered since start: this node is alone and uses its persisted address ranges");
        }
    }

    void sendSpaceRequest(SpaceRequest req) {
        String donor = PeerIds.format(req.getDonor());
        log.atInfo().addKeyValue("peer", donor).addKeyValue("nickname", nick(donor)).addKeyValue("free", ipam.localFree())
                .log("asking the peer with the most free space for addresses");
        bus.send(donor, TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
    }

    /** Called on a netlink event the reconciler cares about (someone changed our routes, FDB, device). */
    void kernelChanged() {
        viewDirty = true;
    }

    /**
     * True once this agent's view of the cluster is complete enough to remove kernel entries: it has merged a peer's
     * ring and knows the record of every live peer, or no peer answered a few seconds after start, or 15 s passed.
     * Until then a restarted agent only adds entries, so it never cuts the routes of running pods to peers it has
     * not heard from yet.
     */
    private boolean viewSettled(long now) {
        if (viewSettled) return true;
        boolean recordsKnown = peers.all().stream().filter(PeerTable.Peer::alive).allMatch(p -> p.record().isPresent());
        boolean anyAlive = peers.all().stream().anyMatch(PeerTable.Peer::alive);
        long age = now - startedMs;
        viewSettled = (heardRing || config.podCidrMode()) && anyAlive && recordsKnown || !anyAlive && age >= SEED_CLAIM_ALONE_AFTER_MS || age >= 15_000;
        return viewSettled;
    }

    private boolean viewSettled;

    private void reconcile(long now) {
        viewDirty = false;
        lastReconcileMs = now;
        ClusterView view = view();
        DatapathConfig cfg = sleeve != null && sleeve.running() ? datapathConfig.withSleeveDevice(sleeve.deviceName()) : datapathConfig;
        DesiredState desired = DesiredStateCalculator.compute(cfg, view);
        if (lastDesired == null || !desired.problems().equals(lastDesired.problems())) {
            for (String p : desired.problems()) log.atWarn().log("datapath: " + p);
        }
        lastDesired = desired;
        reconciler.setDesired(desired);
        ReconcileResult r = viewSettled(now) ? reconciler.reconcile() : reconciler.reconcileAddOnly();
        lastReconcile = r;
        int repaired = r.repaired().values().stream().mapToInt(Integer::intValue).sum();
        if (repaired > 0) {
            log.atWarn().addKeyValue("repaired", r.repaired()).log("datapath entries were missing or changed outside Weft and have been "
                    + "restored; if this repeats, another tool is managing the same routes/device");
        }
        if (r.errors().isEmpty()) {
            datapathProgrammed = true;
            datapathError = null;
        } else {
            String err = String.join("; ", r.errors());
            if (!err.equals(datapathError)) log.atError().log("datapath could not be fully programmed: " + err);
            datapathError = err;
        }
        if (nft != null) {
            try {
                nft.setClusterRanges(List.of(ipam.config().ring().range()));
                if (nft.reconcile()) log.atInfo().log("nftables table 'weft' (masquerade, forward) installed or repaired");
            } catch (RuntimeException e) {
                log.atError().log("nftables rules could not be applied: " + e.getMessage() + "; is nftables installed (nft) and the kernel's nf_tables available?");
            }
        }
    }

    ClusterView view() {
        IpAddress underlayAddr = IpAddress.of(underlay.address());
        ClusterView.LocalNode local = new ClusterView.LocalNode(identity.peerId(), underlayAddr, underlay.interfaceName(),
                underlay.mtu(), vtepMac, ipam.gateway().orElse(null));
        Map<Long, List<Cidr>> cidrs = cidrsByOwner();
        List<ClusterView.RemotePeer> remotes = new ArrayList<>();
        for (PeerTable.Peer p : peers.all()) {
            if (p.record().isEmpty()) continue;
            var rec = p.record().get();
            long pid = Long.parseUnsignedLong(p.member().id(), 16);
            List<Cidr> owned = cidrs.getOrDefault(pid, List.of());
            if (owned.isEmpty()) continue;
            Set<DatapathMode> modes = EnumSet.noneOf(DatapathMode.class);
            for (String d : rec.record().getDatapathsList()) {
                switch (d) {
                    case "vxlan" -> modes.add(DatapathMode.VXLAN);
                    case "host-gw" -> modes.add(DatapathMode.HOST_GW);
                    case "sleeve" -> modes.add(DatapathMode.SLEEVE);
                    default -> { }
                }
            }
            // only a live peer's probes mean anything: a stopped or hung agent does not take the kernel datapath down
            if (sleeve != null && p.alive()) modes = sleeve.usable(p.member().id(), modes);
            boolean sameL2 = rec.record().getUnderlaySubnet().equals(underlay.subnet());
            MacAddress mac = rec.record().getVtepMac().size() == 6 ? MacAddress.of(rec.record().getVtepMac().toByteArray()) : null;
            remotes.add(new ClusterView.RemotePeer(p.member().id(), IpAddress.of(rec.underlay()), mac,
                    rec.vtepAddress().map(IpAddress::of).orElse(null), owned, sameL2, modes));
        }
        List<ClusterView.LocalPod> pods = new ArrayList<>();
        for (Map.Entry<AttachmentKey, IpAddress> a : ipam.allocations().entrySet()) {
            pods.add(new ClusterView.LocalPod(a.getValue(), PodPlumber.hostIfName(a.getKey().containerId(), a.getKey().ifName())));
        }
        return new ClusterView(local, remotes, pods);
    }

    /**
     * Every peer's ranges: from the ring, or in podCIDR mode from the peers' node records (each node publishes its
     * own pod CIDR; malformed entries are skipped).
     */
    private Map<Long, List<Cidr>> cidrsByOwner() {
        if (!config.podCidrMode()) return ipam.cidrsByOwner();
        Map<Long, List<Cidr>> out = new java.util.HashMap<>();
        out.put(self, ipam.ownedCidrs());
        for (PeerTable.Peer p : peers.all()) {
            if (p.record().isEmpty()) continue;
            List<Cidr> l = new ArrayList<>();
            for (String c : p.record().get().record().getPodCidrsList()) {
                try {
                    l.add(Cidr.parse(c));
                } catch (RuntimeException e) {
                    log.atDebug().addKeyValue("peer", p.member().id()).log("bad pod CIDR in node record: " + c);
                }
            }
            out.put(Long.parseUnsignedLong(p.member().id(), 16), l);
        }
        return out;
    }

    /** Peers with what the sleeve needs (alive, with a record and ranges). */
    private List<SleeveIntegration.Peer> sleevePeers() {
        Map<Long, List<Cidr>> cidrs = cidrsByOwner();
        List<SleeveIntegration.Peer> out = new ArrayList<>();
        for (PeerTable.Peer p : peers.all()) {
            if (!p.alive() || p.record().isEmpty()) continue;
            var rec = p.record().get();
            if (!rec.record().getDatapathsList().contains("sleeve") || rec.vtepAddress().isEmpty() || rec.record().getVtepMac().size() != 6) continue;
            out.add(new SleeveIntegration.Peer(p.member().id(), IpAddress.of(rec.underlay()), IpAddress.of(rec.vtepAddress().get()),
                    MacAddress.of(rec.record().getVtepMac().toByteArray()),
                    cidrs.getOrDefault(Long.parseUnsignedLong(p.member().id(), 16), List.of()),
                    rec.record().getSleevePublicKey().toByteArray()));
        }
        return out;
    }

    private void publishRecordIfChanged() {
        NodeRecord.Builder b = NodeRecord.newBuilder()
                .setPeerId(identity.peerId())
                .setNickname(identity.nickname())
                .setIncarnation(identity.incarnation())
                .addUnderlayAddresses(underlay.address().getHostAddress())
                .setUnderlaySubnet(underlay.subnet())
                .setVtepMac(ByteString.copyFrom(vtepMac.bytes()))
                .setVtepAddress(ipam.gateway().map(IpAddress::toString).orElse(""))
                .addDatapaths("vxlan")
                .setAgentVersion(Version.get())
                .setVxlanPort(config.vxlanPort())
                .setVni(config.vni())
                .setIpamFree(ipam.localFree())
                .setReady(problems().isEmpty());
        // podCIDR mode: peers learn this node's range from its record (in ring mode the ring says it, and a
        // fragmented share could exceed the record size limit)
        if (config.podCidrMode()) ipam.ownedCidrs().forEach(c -> b.addPodCidrs(c.toString()));
        if (config.datapath() == AgentConfig.DatapathMode.AUTO) b.addDatapaths("host-gw");
        if (sleeve != null && sleeve.available()) {
            b.addDatapaths("sleeve").setSleevePublicKey(ByteString.copyFrom(sleeve.publicKey()));
        }
        byte[] withoutVersion = b.build().toByteArray();
        if (java.util.Arrays.equals(withoutVersion, lastRecord)) return;
        lastRecord = withoutVersion;
        recordVersion++;
        bus.publishRecord(b.setRecordVersion(recordVersion).build().toByteArray());
    }

    // ---- operator actions -----------------------------------------------------------------------------

    /** {@code weft rmpeer}: refuses while the peer is alive or suspect. Returns a message for the operator. */
    String rmpeer(String idOrNickname) throws IOException, IllegalStateException {
        Optional<PeerTable.Peer> p = peers.find(idOrNickname);
        long target;
        String shown;
        if (p.isPresent()) {
            var m = p.get().member();
            if (m.state() == dev.weft.gossip.swim.MemberState.ALIVE || m.state() == dev.weft.gossip.swim.MemberState.SUSPECT) {
                throw new IllegalStateException("peer " + m.id() + " (" + p.get().nickname() + ") is " + m.state().name().toLowerCase()
                        + " in gossip; stop its agent (or wait until it is declared dead) before reclaiming its ranges");
            }
            target = Long.parseUnsignedLong(m.id(), 16);
            shown = m.id() + " (" + p.get().nickname() + ")";
        } else if (Identity.isValidPeerId(idOrNickname)) {
            target = Long.parseUnsignedLong(idOrNickname, 16);
            shown = idOrNickname;
        } else {
            throw new IllegalStateException("no peer with id or nickname '" + idOrNickname + "' is known; see weft status ipam");
        }
        if (target == self) throw new IllegalStateException("refusing to reclaim this node's own ranges");
        ReclaimResult r = ipam.reclaim(target);
        ringChanged();
        String msg = "reclaimed " + r.taken().size() + " range(s) of peer " + shown + ": " + r.taken();
        log.atWarn().addKeyValue("peer", PeerIds.format(target)).addKeyValue("range", r.taken()).log("operator reclaimed the ranges of a removed peer");
        return msg;
    }

    /**
     * Kubernetes reclaim (the caller holds the API server's reclaim lock for this peer): takes over every range of a
     * peer whose Node was deleted and that gossip reports dead. Returns the ranges taken.
     */
    List<String> reclaimDead(String peerId) throws IOException {
        if (peers.isAlive(peerId)) throw new IllegalStateException("peer " + peerId + " is alive again; not reclaiming");
        long target = Long.parseUnsignedLong(peerId, 16);
        if (target == self) throw new IllegalStateException("refusing to reclaim this node's own ranges");
        ReclaimResult r = ipam.reclaim(target);
        if (!r.taken().isEmpty()) ringChanged();
        log.atWarn().addKeyValue("peer", peerId).addKeyValue("range", r.taken())
                .log("reclaimed the ranges of a peer whose Kubernetes Node was deleted and that is dead in gossip");
        // CIDR text: the reclaim Lease records them comma-separated (an IpRange prints as "[a, b)")
        return r.taken().stream().flatMap(t -> t.toCidrs().stream()).map(Object::toString).toList();
    }

    // ---- status ----------------------------------------------------------------------------------------

    /** Empty when ready: this node owns space and its datapath is programmed. */
    List<String> problems() {
        List<String> p = new ArrayList<>();
        if (removed) p.add("this node was removed from the cluster and is restarting with a new identity");
        if (ipam.ring().isEmpty()) {
            p.add(config.ipamSeeds().isEmpty()
                    ? "no IPAM ring yet: waiting to receive it from a peer (--peers); a new cluster needs --ipam-seed on every node"
                    : "no IPAM ring yet");
        } else if (ipam.ownedSize() == 0) {
            p.add("this node owns no address space yet: waiting for a peer to donate some (it asks the peer with the most free space)");
        }
        if (ipam.ring().isPresent() && !ipam.isSynced()) {
            p.add("waiting for a peer's copy of the IPAM ring (after a restart this node only hands out new addresses once it "
                    + "knows its ranges were not reclaimed while it was away)");
        }
        if (ipamError != null) p.add("IPAM: " + ipamError);
        if (!datapathProgrammed) p.add("datapath not programmed yet" + (datapathError == null ? "" : ": " + datapathError));
        return p;
    }

    AgentConfig config() {
        return config;
    }

    Identity identity() {
        return identity;
    }

    Underlay underlay() {
        return underlay;
    }

    IpamNode ipam() {
        return ipam;
    }

    Reconciler reconciler() {
        return reconciler;
    }

    PeerTable peers() {
        return peers;
    }

    Optional<ReconcileResult> lastReconcile() {
        return Optional.ofNullable(lastReconcile);
    }

    Optional<DesiredState> lastDesired() {
        return Optional.ofNullable(lastDesired);
    }

    NftTable nft() {
        return nft;
    }

    ClusterBus bus() {
        return bus;
    }

    private String nick(String id) {
        return peers.get(id).map(PeerTable.Peer::nickname).orElse("?");
    }
}
