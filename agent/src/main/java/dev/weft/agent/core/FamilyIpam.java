package dev.weft.agent.core;

import dev.weft.agent.proto.NodeRecord;
import dev.weft.id.PeerId;
import dev.weft.ipam.IpamNode;
import dev.weft.ipam.store.PersistedState;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * One address family's IPAM as the controller runs it: its ring (merged, published, donated, reclaimed by a
 * {@link RingRole}), its own durable state ({@link Durability}) and its pod addresses ({@link PodRequests}). A
 * single-stack node has one; a dual-stack node has the IPv4 one (primary: the ring channel, topics and state file
 * of a single-stack cluster, so single-stack IPv4 peers keep interoperating) and an IPv6 one whose state, ring
 * channel and space-message topics are its own ({@link #V6_TOPIC_SUFFIX}).
 */
final class FamilyIpam {
    /** Appended to the IPv6 ring's space-message topics ({@code ipam.space.request.v6}). */
    static final String V6_TOPIC_SUFFIX = ".v6";

    final String name;
    final boolean secondary;
    final IpamNode ipam;
    final Durability durability;
    final RingRole ring;
    final PodRequests pods;
    private final Effects fx;

    private FamilyIpam(
            String name,
            boolean secondary,
            IpamNode ipam,
            StagedStore store,
            ControllerSettings settings,
            PeerTable peers,
            Effects fx,
            long nowMs,
            Runnable podsChanged,
            ToLongFunction<NodeRecord> freeOf) {
        this.name = name;
        this.secondary = secondary;
        this.ipam = ipam;
        this.fx = fx;
        this.durability = new Durability(store);
        this.ring = new RingRole(ipam, settings, durability, peers, fx, nowMs, freeOf);
        this.pods = new PodRequests(ipam, durability, ring, podsChanged);
    }

    /** The family of a single-stack node, or the IPv4 family of a dual-stack one. */
    static FamilyIpam primary(
            IpamNode ipam,
            StagedStore store,
            ControllerSettings settings,
            PeerTable peers,
            Effects fx,
            long nowMs,
            Runnable podsChanged) {
        String name = ipam.config().ring().range().isIpv4() ? "IPv4" : "IPv6";
        return new FamilyIpam(
                name, false, ipam, store, settings, peers, fx, nowMs, podsChanged, NodeRecord::getIpamFree);
    }

    /** The IPv6 family of a dual-stack node: its effects go to the IPv6 state file, channel and topics. */
    static FamilyIpam v6(
            IpamNode ipam,
            StagedStore store,
            ControllerSettings settings,
            PeerTable peers,
            Effects fx,
            long nowMs,
            Runnable podsChanged) {
        if (ipam.config().ring().range().isIpv4())
            throw new IllegalArgumentException("the second ring of a dual-stack node must be IPv6");
        return new FamilyIpam(
                "IPv6",
                true,
                ipam,
                store,
                settings,
                peers,
                new V6Effects(fx),
                nowMs,
                podsChanged,
                NodeRecord::getIpamFreeV6);
    }

    /** Asks for a write of this family's newest staged state when one is due (see {@link Durability#flush}). */
    void flush(boolean retryFailed) {
        durability.flush(fx, retryFailed);
    }

    /** The topic this family's ring role understands, or null when the message is for the other family. */
    String ownTopic(String topic) {
        boolean v6Topic = topic.endsWith(V6_TOPIC_SUFFIX);
        if (v6Topic != secondary) return null;
        return secondary ? topic.substring(0, topic.length() - V6_TOPIC_SUFFIX.length()) : topic;
    }

    /** Readiness problems of this family, named by family when the node is dual-stack. */
    List<String> problems(ControllerSettings settings, boolean dualStack) {
        List<String> p = Readiness.problems(false, ipam, settings, ring.error(), durability.error(), true, null);
        return dualStack ? p.stream().map(s -> name + " ring: " + s).toList() : p;
    }

    /** Routes the IPv6 ring's effects to its own state file, ring channel and message topics. */
    private record V6Effects(Effects fx) implements Effects {
        @Override
        public void persist(long seq, PersistedState state) {
            fx.persistV6(seq, state);
        }

        @Override
        public void applyDatapath(DatapathRequest request) {
            fx.applyDatapath(request);
        }

        @Override
        public void publishRecord(byte[] record) {
            fx.publishRecord(record);
        }

        @Override
        public void publishRingState(byte[] fullState) {
            fx.publishRingStateV6(fullState);
        }

        @Override
        public void publishRingDelta(byte[] delta) {
            fx.publishRingDeltaV6(delta);
        }

        @Override
        public void send(PeerId to, String topic, byte[] payload) {
            fx.send(to, topic + V6_TOPIC_SUFFIX, payload);
        }

        @Override
        public void forgetPathHealth(PeerId peer) {
            fx.forgetPathHealth(peer);
        }

        @Override
        public void restartAsNewPeer() {
            fx.restartAsNewPeer();
        }
    }
}
