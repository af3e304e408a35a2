package dev.weft.agent.core;

import dev.weft.agent.runtime.DatapathWorker;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.store.InMemoryIpamStore;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * One complete agent of the simulation: the real controller with real IPAM on an in-memory disk, the real
 * desired-state calculator and reconciler on an in-memory kernel, joined to a real SWIM engine of the simulated
 * network. Effects run later on the simulated clock (disk and kernel take time), as on a real node.
 */
final class SimAgent {
    static final DatapathConfig DATAPATH = DatapathConfig.defaults().withDirectRouting(false);

    final String name;
    final int index;
    final InMemoryIpamStore disk;
    final InMemoryNetlink kernel = new InMemoryNetlink();
    final SimWorld world;
    PeerId id;
    long incarnation;
    AgentController controller;
    dev.weft.gossip.sim.SimMember member;
    DatapathWorker datapath;
    IpamNode ipam;
    byte[] ringState = new byte[0];
    boolean up;
    boolean removedWanted;
    boolean decommissioned;

    SimAgent(SimWorld world, String name, int index, PeerId id) {
        this.world = world;
        this.name = name;
        this.index = index;
        this.id = id;
        this.disk = new InMemoryIpamStore();
        var eth0 = kernel.createLink(new LinkSpec.Bridge("eth0", 1500, null));
        kernel.updateLink(new LinkUpdate(eth0.index()).up(true));
    }

    IpAddress underlay() {
        return IpAddress.parse("192.0.2." + (10 + index));
    }

    /** Starts (or restarts from its disk) this agent. */
    void start(List<String> seeds) {
        incarnation++;
        try {
            Optional<PersistedState> loaded = disk.load();
            StagedStore staged = new StagedStore(loaded);
            ipam = IpamNode.open(IpamConfig.of(SimWorld.RANGE, SimWorld.BLOCK), staged, id, name);
            ipam.bootstrapFromSeeds(seeds);
            LocalNode self = new LocalNode(
                    id,
                    name,
                    incarnation,
                    underlay(),
                    "eth0",
                    1500,
                    Cidr.parse("192.0.2.0/24"),
                    MacAddress.of(new byte[] {2, 0x57, 0, 0, 0, (byte) index}));
            ControllerSettings settings = new ControllerSettings(
                    seeds, false, false, false, 4789, 4242, 6770, Optional.empty(), SimWorld.RANGE);
            datapath = new DatapathWorker(
                    new Reconciler(kernel, DATAPATH),
                    DATAPATH,
                    null,
                    null,
                    (seq, desired, result) -> world.now(() -> {
                        if (up) controller.onDatapathApplied(seq, desired, result);
                    }));
            up = true;
            member = world.gossip.start(this);
            controller = new AgentController(self, settings, ipam, staged, new Fx(), world.nowMs());
            scheduleTick(incarnation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void scheduleTick(long gen) {
        world.later(1_000, () -> {
            if (!up || incarnation != gen) return;
            controller.onTick(world.nowMs());
            scheduleTick(gen);
        });
    }

    void kill() {
        up = false;
        world.gossip.kill(member);
    }

    /** The CNI runtime created the pod's veth (the plumbing part of ADD). */
    void plumb(AttachmentKey key) {
        String host = PodPlumber.hostIfName(key.containerId(), key.ifName());
        if (kernel.link(host).isEmpty()) {
            var l = kernel.createLink(new LinkSpec.Bridge(host, 1500, null));
            kernel.updateLink(new LinkUpdate(l.index()).up(true));
        }
    }

    void unplumb(AttachmentKey key) {
        kernel.link(PodPlumber.hostIfName(key.containerId(), key.ifName()))
                .ifPresent(l -> kernel.deleteLink(l.index()));
    }

    /** The effects, run on the simulated clock: disk and kernel work take a little while, gossip hand-overs none. */
    private final class Fx implements Effects {
        private final long generation = incarnation;

        private boolean current() {
            return up && generation == incarnation;
        }

        @Override
        public void persist(long seq, PersistedState state) {
            world.later(world.diskDelayMs(), () -> {
                if (!current()) return; // a killed agent's write never happened
                try {
                    disk.save(state);
                    world.stats.fsyncs += 2;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                controller.onPersisted(seq);
            });
        }

        @Override
        public void applyDatapath(DatapathRequest request) {
            world.later(world.kernelDelayMs(), () -> {
                if (current()) datapath.apply(request);
            });
        }

        @Override
        public void publishRecord(byte[] record) {
            if (current()) world.gossip.setRecord(member, record);
        }

        @Override
        public void publishRingState(byte[] fullState) {
            ringState = fullState;
            if (current()) world.gossip.channelUpdated(member);
        }

        @Override
        public void publishRingDelta(byte[] delta) {
            if (current()) world.gossip.publishDelta(member, delta);
        }

        @Override
        public void send(PeerId to, String topic, byte[] payload) {
            if (current()) world.gossip.send(member, to, topic, payload);
        }

        @Override
        public void forgetPathHealth(PeerId peer) {}

        @Override
        public void restartAsNewPeer() {
            removedWanted = true;
        }
    }
}
