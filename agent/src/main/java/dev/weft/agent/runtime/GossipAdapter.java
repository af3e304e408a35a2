package dev.weft.agent.runtime;

import dev.weft.agent.core.AgentController;
import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.swim.MemberView;
import dev.weft.id.PeerId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Gossip's side of the controller: every callback is handed to the controller's loop and returns at once, so
 * gossip's thread never waits on the controller, the disk or the kernel. Full ring states are coalesced per sender
 * (only the newest one waits in the queue), so a burst of anti-entropy cannot pile up ring copies.
 */
final class GossipAdapter implements GossipListener, CrdtChannel {
    static final String RING_CHANNEL = "ipam.ring";
    /** The IPv6 ring of a dual-stack cluster (single-stack peers have no such channel and ignore it). */
    static final String RING_CHANNEL_V6 = "ipam.ring.v6";

    private final ControllerLoop loop;
    private final RingChannel ring;
    private volatile BiConsumer<PeerId, byte[]> pinned = (id, key) -> {};

    GossipAdapter(ControllerLoop loop) {
        this.loop = loop;
        this.ring = new RingChannel(loop, "ring", AgentController::onRingState, AgentController::onRingDelta);
    }

    /** The controller published a new full ring state (served to gossip from now on). */
    void ringState(byte[] state) {
        ring.ringState(state);
    }

    // ---- CrdtChannel: hand over, never merge here ----------------------------------------------------------

    @Override
    public byte[] localState() {
        return ring.localState();
    }

    @Override
    public void receive(PeerId from, byte[] state) {
        ring.receive(from, state);
    }

    @Override
    public void receiveDelta(PeerId from, byte[] delta) {
        ring.receiveDelta(from, delta);
    }

    // ---- GossipListener: hand over ---------------------------------------------------------------------------

    @Override
    public void onMemberUp(MemberView m) {
        loop.post("member up", c -> c.onMember(m));
    }

    @Override
    public void onMemberSuspect(MemberView m) {
        loop.post("member suspect", c -> c.onMember(m));
    }

    @Override
    public void onMemberDead(MemberView m) {
        loop.post("member dead", c -> c.onMember(m));
    }

    @Override
    public void onMemberLeft(MemberView m) {
        loop.post("member left", c -> c.onMember(m));
    }

    @Override
    public void onRecordChanged(MemberView m) {
        loop.post("record changed", c -> c.onMember(m));
    }

    /** Where keys pinned for legacy peer ids go (to be persisted off gossip's thread). */
    void onKeyPinned(BiConsumer<PeerId, byte[]> handler) {
        this.pinned = handler;
    }

    @Override
    public void onKeyPinned(PeerId id, byte[] publicKey) {
        pinned.accept(id, publicKey);
    }

    @Override
    public void onMessage(PeerId from, String topic, byte[] payload) {
        loop.post("message " + topic, c -> c.onMessage(from, topic, payload));
    }

    /** The IPv6 ring's channel of a dual-stack node: hands over like the primary one, coalescing full states. */
    static RingChannel v6Channel(ControllerLoop loop) {
        return new RingChannel(loop, "IPv6 ring", AgentController::onRingStateV6, AgentController::onRingDeltaV6);
    }

    /** What the controller does with a ring's bytes from a peer. */
    interface RingHandler {
        void accept(AgentController c, PeerId from, byte[] bytes);
    }

    /** One ring's channel: full states coalesced per sender, deltas handed over in order. */
    static final class RingChannel implements CrdtChannel {
        private final ControllerLoop loop;
        private final String what;
        private final RingHandler onState;
        private final RingHandler onDelta;
        private final Map<PeerId, byte[]> pendingStates = new ConcurrentHashMap<>();
        private volatile byte[] ringState = new byte[0];

        RingChannel(ControllerLoop loop, String what, RingHandler onState, RingHandler onDelta) {
            this.loop = loop;
            this.what = what;
            this.onState = onState;
            this.onDelta = onDelta;
        }

        void ringState(byte[] state) {
            ringState = state;
        }

        @Override
        public byte[] localState() {
            return ringState;
        }

        @Override
        public void receive(PeerId from, byte[] state) {
            if (pendingStates.put(from, state) == null) {
                loop.post(what + " state", c -> {
                    byte[] newest = pendingStates.remove(from);
                    if (newest != null) onState.accept(c, from, newest);
                });
            }
        }

        @Override
        public void receiveDelta(PeerId from, byte[] delta) {
            loop.post(what + " delta", c -> onDelta.accept(c, from, delta));
        }
    }
}
