package dev.weft.agent.runtime;

import dev.weft.agent.core.AgentController;
import dev.weft.agent.core.ControllerSettings;
import dev.weft.agent.core.DatapathRequest;
import dev.weft.agent.core.Effects;
import dev.weft.agent.core.LocalNode;
import dev.weft.agent.core.StagedStore;
import dev.weft.gossip.GossipNode;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.store.IpamStore;
import dev.weft.ipam.store.PersistedState;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller with its threads (DESIGN §2): the controller loop, the disk writer, the kernel worker and the
 * timer, joined to gossip by hand-overs only. {@link AgentRuntime} builds one around the real node; tests build
 * one around loopback gossip and an in-memory kernel.
 */
public final class AgentCore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentCore.class);

    /**
     * What the core is built from. {@code onRemoved} runs on a worker thread when the node must restart as a new peer.
     * {@code v6} is the IPv6 ring of a dual-stack node (null when single-stack).
     */
    public record Parts(
            LocalNode self,
            ControllerSettings settings,
            IpamNode ipam,
            StagedStore staged,
            IpamStore disk,
            DatapathWorkerFactory datapath,
            LongSupplier nowMillis,
            Runnable onRemoved,
            V6Ring v6) {
        /** A single-stack core. */
        public Parts(
                LocalNode self,
                ControllerSettings settings,
                IpamNode ipam,
                StagedStore staged,
                IpamStore disk,
                DatapathWorkerFactory datapath,
                LongSupplier nowMillis,
                Runnable onRemoved) {
            this(self, settings, ipam, staged, disk, datapath, nowMillis, onRemoved, null);
        }
    }

    /** The IPv6 ring of a dual-stack node: its IPAM, the staged store it saves into, and its own state file. */
    public record V6Ring(IpamNode ipam, StagedStore staged, IpamStore disk) {}

    /** Builds the datapath worker once the core knows where its reports go. */
    public interface DatapathWorkerFactory {
        DatapathWorker create(DatapathWorker.Report report);
    }

    private final Parts parts;
    private final ControllerLoop loop;
    private final GossipAdapter adapter;
    private final DiskWriter disk;
    private final DiskWriter diskV6; // null unless dual-stack
    private final GossipAdapter.RingChannel v6Channel;
    private final ExecutorService kernel;
    private final ScheduledExecutorService timer;
    private final DatapathWorker datapath;
    private GossipNode gossip;

    public AgentCore(Parts parts, String threadPrefix) {
        this.parts = parts;
        this.loop = new ControllerLoop(
                Thread.ofPlatform().name(threadPrefix + "controller").daemon().factory());
        this.adapter = new GossipAdapter(loop);
        this.disk = diskWriter(
                parts.disk(),
                threadPrefix + "disk",
                "state",
                (c, seq) -> c.onPersisted(seq),
                (c, seq, error) -> c.onPersistFailed(seq, error));
        this.diskV6 = parts.v6() == null
                ? null
                : diskWriter(
                        parts.v6().disk(),
                        threadPrefix + "disk-v6",
                        "IPv6 state",
                        (c, seq) -> c.onPersistedV6(seq),
                        (c, seq, error) -> c.onPersistFailedV6(seq, error));
        this.v6Channel = parts.v6() == null ? null : GossipAdapter.v6Channel(loop);
        this.kernel = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name(threadPrefix + "kernel").daemon().factory());
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(threadPrefix + "timer").daemon().factory());
        this.datapath = parts.datapath()
                .create((seq, desired, result) ->
                        loop.post("datapath applied", c -> c.onDatapathApplied(seq, desired, result)));
    }

    private interface Written {
        void report(AgentController c, long seq);
    }

    private interface Failed {
        void report(AgentController c, long seq, String error);
    }

    /** A disk writer for one family's state file whose outcomes are posted to the controller. */
    private DiskWriter diskWriter(IpamStore store, String threadName, String what, Written written, Failed failed) {
        return new DiskWriter(
                store, Thread.ofPlatform().name(threadName).daemon().factory(), new DiskWriter.Outcome() {
                    @Override
                    public void written(long seq) {
                        loop.post(what + " written", c -> written.report(c, seq));
                    }

                    @Override
                    public void failed(long seq, String error) {
                        loop.post(what + " write failed", c -> failed.report(c, seq, error));
                    }
                });
    }

    /** The listener to create the gossip node with. */
    public GossipAdapter gossipListener() {
        return adapter;
    }

    /** Joins the created gossip node (registers the ring channel) and starts the controller and its timers. */
    public void start(GossipNode node) {
        this.gossip = node;
        if (!parts.settings().podCidrMode()) node.registerChannel(GossipAdapter.RING_CHANNEL, adapter);
        if (v6Channel != null && !parts.settings().podCidrMode())
            node.registerChannel(GossipAdapter.RING_CHANNEL_V6, v6Channel);
        AgentController controller = new AgentController(
                parts.self(),
                parts.settings(),
                parts.ipam(),
                parts.staged(),
                parts.v6() == null ? null : parts.v6().ipam(),
                parts.v6() == null ? null : parts.v6().staged(),
                new RuntimeEffects(),
                parts.nowMillis().getAsLong());
        loop.start(controller);
        timer.scheduleWithFixedDelay(
                () -> loop.post("tick", c -> c.onTick(parts.nowMillis().getAsLong())), 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(
                () -> kernel.execute(() -> guarded("sleeve tick", () -> datapath.sleeveTick(System.nanoTime()))),
                1,
                1,
                TimeUnit.SECONDS);
    }

    /** Effects run where they belong: disk on the writer, kernel work on the kernel thread, gossip by hand-over. */
    private final class RuntimeEffects implements Effects {
        @Override
        public void persist(long seq, PersistedState state) {
            disk.write(seq, state);
        }

        @Override
        public void persistV6(long seq, PersistedState state) {
            diskV6.write(seq, state);
        }

        @Override
        public void publishRingStateV6(byte[] fullState) {
            publishState(GossipAdapter.RING_CHANNEL_V6, v6Channel::ringState, fullState);
        }

        @Override
        public void publishRingDeltaV6(byte[] delta) {
            publishDelta(GossipAdapter.RING_CHANNEL_V6, delta);
        }

        @Override
        public void applyDatapath(DatapathRequest request) {
            kernel.execute(() -> guarded("datapath apply", () -> datapath.apply(request)));
        }

        @Override
        public void publishRecord(byte[] record) {
            gossip.setLocalRecord(record);
        }

        @Override
        public void publishRingState(byte[] fullState) {
            publishState(GossipAdapter.RING_CHANNEL, adapter::ringState, fullState);
        }

        @Override
        public void publishRingDelta(byte[] delta) {
            publishDelta(GossipAdapter.RING_CHANNEL, delta);
        }

        /** A ring's new full state for anti-entropy (no ring channels in podCIDR mode). */
        private void publishState(String name, Consumer<byte[]> channel, byte[] fullState) {
            if (parts.settings().podCidrMode()) return;
            channel.accept(fullState);
            gossip.channelUpdated(name);
        }

        private void publishDelta(String name, byte[] delta) {
            if (!parts.settings().podCidrMode()) gossip.publishDelta(name, delta);
        }

        @Override
        public void send(PeerId to, String topic, byte[] payload) {
            gossip.sendMessage(to, topic, payload).whenComplete((ok, err) -> {
                if (err != null || !Boolean.TRUE.equals(ok)) {
                    log.atInfo()
                            .addKeyValue("peer", to)
                            .addKeyValue("topic", topic)
                            .log("message to peer not delivered" + (err == null ? "" : ": " + err.getMessage())
                                    + "; it is retried on a later tick; is TCP "
                                    + parts.settings().gossipPort() + " open to it?");
                }
            });
        }

        @Override
        public void forgetPathHealth(PeerId peer) {
            kernel.execute(() -> guarded("forget path health", () -> datapath.forgetPathHealth(peer)));
        }

        @Override
        public void restartAsNewPeer() {
            Thread.ofVirtual().name("weft-removed").start(parts.onRemoved());
        }
    }

    private static void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.atError().addKeyValue("task", what).setCause(e).log(what + " failed; continuing: " + e);
        }
    }

    public ControllerLoop loop() {
        return loop;
    }

    public DatapathWorker datapath() {
        return datapath;
    }

    public DiskWriter disk() {
        return disk;
    }

    /** Removes every family's IPAM state for good (the node was removed and restarts with a new identity). */
    void deleteStateNow() throws java.io.IOException {
        disk.deleteNow();
        if (diskV6 != null) diskV6.deleteNow();
    }

    /** Runs kernel-side work (sleeve probe answers) on the kernel thread. */
    public void onKernelThread(Runnable r) {
        kernel.execute(() -> guarded("kernel task", r));
    }

    /** Netlink reported a change to something Weft owns. */
    public void kernelChanged() {
        loop.post("kernel changed", AgentController::onKernelChanged);
    }

    @Override
    public void close() throws Exception {
        timer.shutdownNow();
        loop.close();
        kernel.shutdown();
        kernel.awaitTermination(5, TimeUnit.SECONDS);
        disk.close();
        if (diskV6 != null) diskV6.close();
    }
}
