package dev.weft.agent.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;

import com.google.protobuf.ByteString;
import dev.weft.agent.Version;
import dev.weft.agent.proto.NodeRecord;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.sim.SimNetwork;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimOutput;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.GrantResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.RingUpdate;
import dev.weft.ipam.SpaceMessages;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.proto.SpaceGrant;
import dev.weft.ipam.proto.SpaceRequest;
import dev.weft.ipam.ring.PeerIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * One agent as the code at 3b3ae6b assembles it, minus the kernel: the real {@link IpamNode} (with a store that counts
 * saves) joined to the real {@code SwimEngine} the way {@code NodeAgent}, {@code GossipBus} and {@code LoopIpam} join
 * them. Each method names the agent method it mirrors; what is left out (reconcile, nft, sleeve probing, logging,
 * Kubernetes) neither sends bytes nor saves IPAM state.
 *
 * <ul>
 *   <li>the ring is CRDT channel {@value #RING_CHANNEL}: {@code localState()} is the cached {@code
 *       ipam.localRingBytes()} (refreshed each tick, after a merge that changed it and after a local ring change),
 *       {@code merge()} calls {@code ipam.applyRemoteRing()} synchronously (GossipBus waits on the loop);</li>
 *   <li>after a local ring change (seed claim, space grant given or received) {@code channelUpdated} is called; a pod
 *       ADD/DEL does not call it (the agent only marks its view dirty), the changed free count leaves with the next
 *       full state the channel sends;</li>
 *   <li>space requests and grants are point-to-point messages;</li>
 *   <li>the node record (with {@code ipam_free}) is rebuilt each tick and published when it changed.</li>
 * </ul>
 */
final class SimNodeAgent implements SimAgent, SwimOutput, CrdtChannel {
    static final String RING_CHANNEL = "ipam.ring";
    static final String TOPIC_SPACE_REQUEST = "ipam.space.request";
    static final String TOPIC_SPACE_GRANT = "ipam.space.grant";
    static final long SEED_CLAIM_ALONE_AFTER_MS = 3_000;

    private final SimNetwork net;
    private final SimNetwork.Node member;
    private final String peerId;
    private final long self;
    private final String nickname;
    private final CountingIpamStore store = new CountingIpamStore();
    private final IpamNode ipam;
    private final Set<String> alive = new HashSet<>();
    private final long startedMs;
    private final byte[] vtepMac;

    private byte[] ringBytes;
    private boolean heardRing;
    private boolean seedClaimDone;
    private boolean removed;
    private String ipamError;
    private byte[] lastRecord = new byte[0];
    private long recordVersion;

    private long recordPublishes;
    private long ringMergesChanged;
    private long podOps;
    private long podOpsFailed;

    /** AgentRuntime.openIpam (ring mode with --ipam-seed of every node name) + NodeAgent's constructor + GossipBus.bind. */
    SimNodeAgent(SimCluster.NodeSpec spec, IpamConfig config) {
        this.net = spec.net();
        this.member = spec.member();
        this.peerId = spec.member().id;
        this.self = spec.peerId();
        this.nickname = spec.nickname();
        this.startedMs = nowMillis();
        this.vtepMac = new byte[]{0x02, (byte) (self >>> 32), (byte) (self >>> 24), (byte) (self >>> 16),
                (byte) (self >>> 8), (byte) self};
        try {
            ipam = IpamNode.open(config, store, self, nickname);
            ipam.bootstrapFromSeeds(spec.allNames());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ipam.setLivenessView(p -> p == self || alive.contains(PeerIds.format(p)));
        member.listener = this;
        member.engine.registerChannel(RING_CHANNEL, new CrdtChannel() {
            @Override
            public byte[] localState() {
                return ringBytes != null ? ringBytes : SimNodeAgent.this.localState(); // GossipBus: cached, else ask the loop
            }

            @Override
            public boolean merge(byte[] remoteState) {
                return SimNodeAgent.this.merge(remoteState);
            }
        });
    }

    private long nowMillis() {
        return net.now / MS;
    }

    // ---- NodeAgent: the IPAM ring channel ----

    /** NodeAgent.localState: encodes the ring and refreshes the cache gossip reads. */
    @Override
    public byte[] localState() {
        byte[] b = ipam.localRingBytes().orElse(new byte[0]);
        ringBytes = b;
        return b;
    }

    /** NodeAgent.merge. */
    @Override
    public boolean merge(byte[] remote) {
        if (remote.length == 0 || removed) {
            return false;
        }
        RingUpdate u;
        try {
            u = ipam.applyRemoteRing(remote);
            ipamError = null;
        } catch (IOException e) {
            ipamError = e.getMessage();
            return false;
        } catch (RuntimeException e) {
            ipamError = e.getClass().getSimpleName() + ": " + e.getMessage();
            throw e;
        }
        heardRing = true;
        if (u.selfRemoved()) {
            removed = true;
            return false;
        }
        if (u.changed()) {
            ringMergesChanged++;
            localState();
        }
        return u.changed();
    }

    /** NodeAgent.ringChanged (+ GossipBus.channelChanged). */
    private void ringChanged() {
        localState();
        member.engine.channelUpdated(RING_CHANNEL);
    }

    // ---- NodeAgent: membership (PeerTable: a peer is alive while gossip says ALIVE) ----

    @Override
    public void memberChanged(MemberView m, MemberState previous) {
        if (m.state() == MemberState.ALIVE) {
            alive.add(m.id());
        } else {
            alive.remove(m.id());
        }
    }

    // ---- NodeAgent.onMessage: space requests and grants ----

    @Override
    public void messageReceived(String from, String topic, byte[] payload) {
        try {
            switch (topic) {
                case TOPIC_SPACE_REQUEST -> {
                    SpaceGrant grant = ipam.handleSpaceRequest(SpaceMessages.decodeRequest(payload));
                    send(from, TOPIC_SPACE_GRANT, SpaceMessages.encode(grant));
                    if (grant.getRefusal().isEmpty()) {
                        ringChanged();
                    }
                }
                case TOPIC_SPACE_GRANT -> {
                    GrantResult r = ipam.handleSpaceGrant(SpaceMessages.decodeGrant(payload));
                    if (r instanceof GrantResult.Granted) {
                        ringChanged();
                    }
                }
                default -> {
                }
            }
        } catch (IOException | RuntimeException e) {
            ipamError = e.getMessage();
        }
    }

    /** GossipBus.send: fire and forget (the agent only logs a failure). */
    private void send(String to, String topic, byte[] payload) {
        member.engine.sendMessage(to, topic, payload, ok -> {
        });
    }

    // ---- NodeAgent.tick (without sleeve, reconcile and nft) ----

    @Override
    public void tick() {
        if (removed) {
            return;
        }
        localState();
        long now = nowMillis();
        claimSeedShareWhenSynced(now);
        markSyncedWhenAlone(now);
        ipam.spaceRequestIfNeeded(now).ifPresent(this::sendSpaceRequest);
        publishRecordIfChanged();
    }

    /** NodeAgent.claimSeedShareWhenSynced (ring mode, seeds configured). */
    private void claimSeedShareWhenSynced(long now) {
        if (seedClaimDone) {
            return;
        }
        boolean anyAlive = !alive.isEmpty();
        if (!heardRing && (anyAlive || now - startedMs < SEED_CLAIM_ALONE_AFTER_MS)) {
            return;
        }
        try {
            boolean claimed = !ipam.claimSeedShare().isEmpty();
            seedClaimDone = true;
            if (claimed) {
                ringChanged();
            }
        } catch (IOException e) {
            ipamError = e.getMessage();
        }
    }

    /** NodeAgent.markSyncedWhenAlone. */
    private void markSyncedWhenAlone(long now) {
        if (ipam.isSynced() || ipam.ring().isEmpty() || now - startedMs < SEED_CLAIM_ALONE_AFTER_MS) {
            return;
        }
        if (alive.isEmpty()) {
            ipam.markSynced();
        }
    }

    /** NodeAgent.sendSpaceRequest. */
    private void sendSpaceRequest(SpaceRequest req) {
        send(PeerIds.format(req.getDonor()), TOPIC_SPACE_REQUEST, SpaceMessages.encode(req));
    }

    /**
     * NodeAgent.publishRecordIfChanged with the values a default ring-mode agent has (datapath auto, sleeve available:
     * a 32-byte public key); the datapath counts as programmed, so ready means IPAM has space and is synced.
     */
    private void publishRecordIfChanged() {
        InetSocketAddress a = member.address;
        NodeRecord.Builder b = NodeRecord.newBuilder()
                .setPeerId(peerId)
                .setNickname(nickname)
                .setIncarnation(1)
                .addUnderlayAddresses(a.getAddress().getHostAddress())
                .setUnderlaySubnet("198.18.0.0/15")
                .setVtepMac(ByteString.copyFrom(vtepMac))
                .setVtepAddress(ipam.gateway().map(IpAddress::toString).orElse(""))
                .addDatapaths("vxlan")
                .setAgentVersion(Version.get())
                .setVxlanPort(4789)
                .setVni(4242)
                .setIpamFree(ipam.localFree())
                .setReady(ready());
        b.addDatapaths("host-gw");
        b.addDatapaths("sleeve").setSleevePublicKey(ByteString.copyFrom(sleeveKey()));
        byte[] withoutVersion = b.build().toByteArray();
        if (Arrays.equals(withoutVersion, lastRecord)) {
            return;
        }
        lastRecord = withoutVersion;
        recordVersion++;
        member.engine.setRecord(b.setRecordVersion(recordVersion).build().toByteArray());
        recordPublishes++;
    }

    private boolean ready() {
        return !removed && ipam.ring().isPresent() && ipam.ownedSize() > 0 && ipam.isSynced() && ipamError == null;
    }

    private byte[] sleeveKey() {
        byte[] k = new byte[32];
        for (int i = 0; i < 32; i++) {
            k[i] = (byte) (self >>> (8 * (i % 8)) ^ i);
        }
        return k;
    }

    // ---- LoopIpam: CNI ADD/DEL ----

    /** LoopIpam.allocate: on "no space yet" the space request IPAM produced is sent at once. */
    @Override
    public boolean podAdd(String containerId, String ifName) {
        try {
            AllocationResult r = ipam.allocate(containerId, ifName, nowMillis());
            return switch (r) {
                case AllocationResult.Allocated x -> {
                    podOps++;
                    yield true; // NodeAgent.podsChanged: only the view is marked dirty
                }
                case AllocationResult.NoSpaceYet n -> {
                    n.request().ifPresent(this::sendSpaceRequest);
                    podOpsFailed++;
                    yield false;
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** LoopIpam.release. */
    @Override
    public boolean podDel(String containerId, String ifName) {
        try {
            boolean released = ipam.release(containerId, ifName);
            if (released) {
                podOps++;
            }
            return released;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- harness ----

    @Override
    public boolean bootstrapped() {
        return seedClaimDone && ipam.isSynced() && ipam.ownedSize() > 0;
    }

    @Override
    public byte[] ringState() {
        return ipam.localRingBytes().orElse(new byte[0]);
    }

    @Override
    public TrafficSample counters() {
        return new TrafficSample(member.bytesSent - member.streamBytesSent, member.streamBytesSent,
                member.channelStatesSent, member.channelStateBytesSent, store.saves(), store.savedBytes(),
                recordPublishes, ringMergesChanged, podOps, podOpsFailed);
    }

    IpamNode ipam() {
        return ipam;
    }

    // SwimOutput: only the callbacks above are used; the network is the simulator's.
    @Override
    public void send(InetSocketAddress to, Packet packet) {
        throw new UnsupportedOperationException("listener only");
    }

    @Override
    public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
        throw new UnsupportedOperationException("listener only");
    }
}
