package dev.weft.agent.core;

import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.sim.SimMember;
import dev.weft.gossip.sim.SimNetwork;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The agents' gossip: real SWIM engines on gossip's deterministic simulated network. Everything an engine reports is
 * handed to the agent's controller as a later event on the same clock (never re-entering it), as the runtime's
 * gossip adapter does across threads.
 */
final class SimGossip {
    static final String RING = "ipam.ring";

    private final SimNetwork net;
    private final SimWorld world;
    private final SwimSettings settings = SwimSettings.defaults();
    private final Set<PeerId> added = new HashSet<>();

    SimGossip(long seed, SimWorld world) {
        this.net = new SimNetwork(seed);
        this.world = world;
    }

    long nowNanos() {
        return net.now();
    }

    void at(long nanos, Runnable r) {
        net.at(nanos, r);
    }

    void runForMs(long ms) {
        net.runFor(ms * SimNetwork.MS);
    }

    SimMember start(SimAgent a) {
        long gen = a.incarnation;
        GossipListener l = listener(a, gen);
        SimMember m = added.add(a.id)
                ? net.add(a.id, settings, a.incarnation, new byte[0], l)
                : net.restart(a.id, a.incarnation, new byte[0], l, settings);
        m.engine().registerChannel(RING, new CrdtChannel() {
            @Override
            public byte[] localState() {
                return a.ringState;
            }

            @Override
            public void receive(PeerId from, byte[] state) {
                deliver(a, gen, () -> a.controller.onRingState(from, state));
            }

            @Override
            public void receiveDelta(PeerId from, byte[] delta) {
                deliver(a, gen, () -> a.controller.onRingDelta(from, delta));
            }
        });
        List<PeerId> seeds = new ArrayList<>();
        for (SimAgent o : world.agents) if (o != a && o.up && seeds.size() < 3) seeds.add(o.id);
        if (!seeds.isEmpty()) net.join(a.id, seeds.toArray(PeerId[]::new));
        return m;
    }

    private GossipListener listener(SimAgent a, long gen) {
        return new GossipListener() {
            @Override
            public void onMemberUp(MemberView m) {
                deliver(a, gen, () -> a.controller.onMember(m));
            }

            @Override
            public void onMemberSuspect(MemberView m) {
                deliver(a, gen, () -> a.controller.onMember(m));
            }

            @Override
            public void onMemberDead(MemberView m) {
                deliver(a, gen, () -> a.controller.onMember(m));
            }

            @Override
            public void onMemberLeft(MemberView m) {
                deliver(a, gen, () -> a.controller.onMember(m));
            }

            @Override
            public void onRecordChanged(MemberView m) {
                deliver(a, gen, () -> a.controller.onMember(m));
            }

            @Override
            public void onMessage(PeerId from, String topic, byte[] payload) {
                deliver(a, gen, () -> a.controller.onMessage(from, topic, payload));
            }
        };
    }

    private void deliver(SimAgent a, long gen, Runnable r) {
        world.now(() -> {
            if (a.up && a.incarnation == gen && a.controller != null) r.run();
        });
    }

    void kill(SimMember m) {
        net.kill(m.id());
    }

    void setRecord(SimMember m, byte[] record) {
        m.engine().setRecord(record);
    }

    void channelUpdated(SimMember m) {
        m.engine().channelUpdated(RING);
    }

    void publishDelta(SimMember m, byte[] delta) {
        m.engine().publishDelta(RING, delta);
    }

    void send(SimMember m, PeerId to, String topic, byte[] payload) {
        m.engine().sendMessage(to, topic, payload, ok -> {});
    }

    void partition(List<SimAgent> side) {
        Set<PeerId> a = new HashSet<>();
        Set<PeerId> b = new HashSet<>();
        for (SimAgent x : world.agents) (side.contains(x) ? a : b).add(x.id);
        net.partition(a, b);
    }

    void heal() {
        net.heal();
    }

    long bytesSent() {
        return net.totalBytes();
    }
}
