package dev.weft.agent.sim;

import static dev.weft.gossip.sim.SimNetwork.MS;

import dev.weft.agent.core.AgentController;
import dev.weft.agent.core.ControllerSettings;
import dev.weft.agent.core.DatapathRequest;
import dev.weft.agent.core.Effects;
import dev.weft.agent.core.LocalNode;
import dev.weft.agent.core.Reply;
import dev.weft.agent.core.StagedStore;
import dev.weft.agent.runtime.DatapathWorker;
import dev.weft.datapath.DatapathConfig;
import dev.weft.datapath.Reconciler;
import dev.weft.datapath.netlink.InMemoryNetlink;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.pod.PodPlumber;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.sim.SimMember;
import dev.weft.gossip.sim.SimNetwork;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import dev.weft.ipam.AllocationResult;
import dev.weft.ipam.IpamConfig;
import dev.weft.ipam.IpamCounters;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import dev.weft.ipam.alloc.AttachmentKey;
import dev.weft.ipam.store.PersistedState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;

/**
 * One agent as the runtime ({@code AgentCore}, {@code GossipAdapter}, {@code ControllerIpam}) assembles it, on the
 * simulated clock instead of threads: the real {@link AgentController} over a real {@link IpamNode} on a
 * {@link StagedStore} (saves are flushed through {@code Effects.persist} to an in-memory store that counts them), a
 * real SWIM engine on gossip's {@link SimNetwork}, and the real {@link DatapathWorker} (desired-state calculator and
 * reconciler) on an in-memory kernel. Nothing of the controller's logic is repeated here; this class only carries
 * events in and effects out:
 *
 * <ul>
 *   <li>gossip callbacks (members, records, messages, ring states and deltas) become later events on the same clock
 *       (never re-entering the controller), as {@code GossipAdapter} hands them over across threads; the ring channel
 *       serves the bytes the controller last published;</li>
 *   <li>{@code persist} saves to the counting store {@value #DISK_MIN_MS}-{@value #DISK_MAX_MS} ms later, then
 *       {@code onPersisted}; {@code applyDatapath} runs the worker {@value #KERNEL_MIN_MS}-{@value #KERNEL_MAX_MS}
 *       ms later, its report comes back as {@code onDatapathApplied} (the kernel sends no gossip bytes);</li>
 *   <li>publishRecord / publishRingState / publishRingDelta / send go straight to the engine (hand-overs);</li>
 *   <li>CNI ADD is {@code onAllocate}, then the veth is created in the in-memory kernel and {@code onPodPlumbed}
 *       waits for the host route; DEL removes the veth and calls {@code onRelease}; answers come back as later
 *       events.</li>
 * </ul>
 *
 * Settings are those of a default ring-mode agent: {@code --ipam-seed} = every node name, {@code --datapath=auto}
 * (the record offers host-gw), a sleeve key in the record (the sleeve itself does not run: no gossip bytes).
 */
final class SimNodeAgent implements SimAgent {
    static final String RING_CHANNEL = "ipam.ring";
    static final DatapathConfig DATAPATH = DatapathConfig.defaults().withDirectRouting(false);
    static final int DISK_MIN_MS = 1;
    static final int DISK_MAX_MS = 20;
    static final int KERNEL_MIN_MS = 1;
    static final int KERNEL_MAX_MS = 10;

    private final SimNetwork net;
    private final Random random;
    private final CountingIpamStore disk = new CountingIpamStore();
    private final InMemoryNetlink kernel = new InMemoryNetlink();
    private final SimMember member;
    private final IpamNode ipam;
    private final AgentController controller;
    private final DatapathWorker datapath;
    private byte[] ringState = new byte[0];

    private long recordPublishes;
    private long podOps;
    private long podOpsFailed;

    SimNodeAgent(SimCluster.NodeSpec spec, IpamConfig config) {
        this.net = spec.net();
        this.random = spec.random();
        var eth0 = kernel.createLink(new LinkSpec.Bridge("eth0", 1500, null));
        kernel.updateLink(new LinkUpdate(eth0.index()).up(true));
        this.member = net.add(spec.id(), SwimSettings.defaults(), new byte[0], new Listener());
        member.engine().registerChannel(RING_CHANNEL, new RingChannel());
        try {
            StagedStore staged = new StagedStore(disk.load());
            ipam = IpamNode.open(config, staged, spec.id(), spec.nickname());
            ipam.bootstrapFromSeeds(spec.allNames());
            long v = spec.id().value();
            LocalNode self = new LocalNode(
                    spec.id(),
                    spec.nickname(),
                    1,
                    IpAddress.parse(member.address().getAddress().getHostAddress()),
                    "eth0",
                    1500,
                    Cidr.parse("198.18.0.0/15"),
                    MacAddress.of(new byte[] {
                        0x02, (byte) (v >>> 32), (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v
                    }));
            ControllerSettings settings = new ControllerSettings(
                    spec.allNames(),
                    false,
                    false,
                    true,
                    4789,
                    4242,
                    6770,
                    Optional.of(sleeveKey(v)),
                    config.ring().range());
            datapath = new DatapathWorker(
                    new Reconciler(kernel, DATAPATH),
                    DATAPATH,
                    null,
                    null,
                    (seq, desired, result) -> later(() -> controller().onDatapathApplied(seq, desired, result)));
            controller = new AgentController(self, settings, ipam, staged, new Fx(), nowMs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private AgentController controller() {
        return controller;
    }

    private long nowMs() {
        return net.now() / MS;
    }

    /** Runs {@code r} as its own event at the current simulated time (after the running one). */
    private void later(Runnable r) {
        net.at(net.now(), r);
    }

    private void afterMs(int min, int max, Runnable r) {
        net.at(net.now() + (min + random.nextInt(max - min + 1)) * MS, r);
    }

    private static byte[] sleeveKey(long v) {
        byte[] k = new byte[32];
        for (int i = 0; i < 32; i++) {
            k[i] = (byte) (v >>> (8 * (i % 8)) ^ i);
        }
        return k;
    }

    // ---- gossip in: handed over, delivered later ----

    private final class Listener implements GossipListener {
        @Override
        public void onMemberUp(MemberView m) {
            later(() -> controller.onMember(m));
        }

        @Override
        public void onMemberSuspect(MemberView m) {
            later(() -> controller.onMember(m));
        }

        @Override
        public void onMemberDead(MemberView m) {
            later(() -> controller.onMember(m));
        }

        @Override
        public void onMemberLeft(MemberView m) {
            later(() -> controller.onMember(m));
        }

        @Override
        public void onRecordChanged(MemberView m) {
            later(() -> controller.onMember(m));
        }

        @Override
        public void onMessage(PeerId from, String topic, byte[] payload) {
            later(() -> controller.onMessage(from, topic, payload));
        }
    }

    private final class RingChannel implements CrdtChannel {
        @Override
        public byte[] localState() {
            return ringState;
        }

        @Override
        public void receive(PeerId from, byte[] state) {
            later(() -> controller.onRingState(from, state));
        }

        @Override
        public void receiveDelta(PeerId from, byte[] delta) {
            later(() -> controller.onRingDelta(from, delta));
        }
    }

    // ---- effects out ----

    private final class Fx implements Effects {
        @Override
        public void persist(long seq, PersistedState state) {
            afterMs(DISK_MIN_MS, DISK_MAX_MS, () -> {
                try {
                    disk.save(state);
                } catch (IOException e) {
                    later(() -> controller.onPersistFailed(seq, e.getMessage()));
                    return;
                }
                controller.onPersisted(seq);
            });
        }

        @Override
        public void applyDatapath(DatapathRequest request) {
            afterMs(KERNEL_MIN_MS, KERNEL_MAX_MS, () -> datapath.apply(request));
        }

        @Override
        public void publishRecord(byte[] record) {
            recordPublishes++;
            member.engine().setRecord(record);
        }

        @Override
        public void publishRingState(byte[] fullState) {
            ringState = fullState;
            member.engine().channelUpdated(RING_CHANNEL);
        }

        @Override
        public void publishRingDelta(byte[] delta) {
            member.engine().publishDelta(RING_CHANNEL, delta);
        }

        @Override
        public void send(PeerId to, String topic, byte[] payload) {
            member.engine().sendMessage(to, topic, payload, ok -> {});
        }

        @Override
        public void forgetPathHealth(PeerId peer) {}

        @Override
        public void restartAsNewPeer() {
            throw new IllegalStateException("node " + member.id() + " was reclaimed; the benchmark kills no node");
        }
    }

    // ---- the harness ----

    @Override
    public void tick() {
        controller.onTick(nowMs());
    }

    @Override
    public boolean bootstrapped() {
        return controller.problems().isEmpty();
    }

    @Override
    public byte[] ringState() {
        return ipam.localRingBytes().orElse(new byte[0]);
    }

    /** CNI ADD as the plugin drives it: allocate, create the veth, wait for the host route. */
    @Override
    public void podAdd(String containerId, String ifName, Consumer<Boolean> done) {
        AttachmentKey key = new AttachmentKey(containerId, ifName);
        controller.onAllocate(
                key,
                reply(
                        r -> {
                            if (!(r instanceof AllocationResult.Allocated)) {
                                failed(done);
                                return;
                            }
                            String host = PodPlumber.hostIfName(containerId, ifName);
                            var veth = kernel.createLink(new LinkSpec.Bridge(host, 1500, null));
                            kernel.updateLink(new LinkUpdate(veth.index()).up(true));
                            controller.onPodPlumbed(
                                    key,
                                    reply(
                                            v -> {
                                                podOps++;
                                                done.accept(true);
                                            },
                                            () -> failed(done)));
                        },
                        () -> failed(done)));
    }

    /** CNI DEL: the runtime removes the veth, then the agent releases the address. */
    @Override
    public void podDel(String containerId, String ifName, Consumer<Boolean> done) {
        kernel.link(PodPlumber.hostIfName(containerId, ifName)).ifPresent(l -> kernel.deleteLink(l.index()));
        controller.onRelease(
                new AttachmentKey(containerId, ifName),
                reply(
                        released -> {
                            if (released) {
                                podOps++;
                            }
                            done.accept(released);
                        },
                        () -> done.accept(false)));
    }

    private void failed(Consumer<Boolean> done) {
        podOpsFailed++;
        done.accept(false);
    }

    /** An answer handled as its own later event (the controller is never re-entered). */
    private <T> Reply<T> reply(Consumer<T> ok, Runnable failed) {
        return new Reply<>() {
            @Override
            public void ok(T value) {
                later(() -> ok.accept(value));
            }

            @Override
            public void fail(Failure f) {
                later(failed);
            }
        };
    }

    @Override
    public TrafficSample counters() {
        IpamCounters c = ipam.counters();
        return new TrafficSample(
                member.udpBytesSent(),
                member.streamBytesSent(),
                member.channelStatesSent(),
                member.channelStateBytesSent(),
                member.deltasSent(),
                member.deltaBytesSent(),
                disk.saves(),
                disk.savedBytes(),
                recordPublishes,
                c.ringsApplied() + c.deltasApplied(),
                podOps,
                podOpsFailed);
    }
}
