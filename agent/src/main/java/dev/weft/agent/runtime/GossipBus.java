package dev.weft.agent.runtime;

import dev.weft.gossip.CrdtChannel;
import dev.weft.gossip.GossipListener;
import dev.weft.gossip.GossipNode;
import dev.weft.gossip.GossipStatus;
import dev.weft.gossip.swim.MemberView;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the gossip node (which runs on its own event thread) to the agent loop: listener callbacks are
 * posted to the loop; CRDT merges, which must answer synchronously, run on the loop and are waited for
 * (the loop never waits on gossip, so this cannot deadlock).
 */
final class GossipBus implements ClusterBus, GossipListener {
    private static final Logger log = LoggerFactory.getLogger(GossipBus.class);
    private static final long MERGE_TIMEOUT_MS = 5_000;

    private final AgentLoop loop;
    private final NodeAgent agent;
    private GossipNode node;
    /** False in podCIDR mode: there is no ring channel to push. */
    private boolean ringChannel;

    GossipBus(AgentLoop loop, NodeAgent agent) {
        this.loop = loop;
        this.agent = agent;
    }

    void bind(GossipNode node, boolean ringChannel) {
        this.node = node;
        this.ringChannel = ringChannel;
        if (!ringChannel) return; // podCIDR mode: ranges come from node records, no ring to gossip
        node.registerChannel(NodeAgent.RING_CHANNEL, new CrdtChannel() {
            @Override
            public byte[] localState() {
                byte[] cached = agent.cachedRingBytes();
                if (cached != null) return cached; // refreshed by the loop after every change and every tick
                try {
                    return loop.call("ring state", MERGE_TIMEOUT_MS, agent::localState);
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }

            @Override
            public boolean merge(byte[] remoteState) {
                try {
                    return loop.call("ring merge", MERGE_TIMEOUT_MS, () -> agent.merge(remoteState));
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }
        });
    }

    @Override
    public void publishRecord(byte[] record) {
        node.setLocalRecord(record);
    }

    @Override
    public void channelChanged(String channel) {
        if (ringChannel) node.channelUpdated(channel);
    }


    @Override
    public void send(String memberId, String topic, byte[] payload) {
        node.sendMessage(memberId, topic, payload).whenComplete((ok, err) -> {
            if (err != null || !Boolean.TRUE.equals(ok)) {
                log.atInfo().addKeyValue("peer", memberId).addKeyValue("topic", topic)
                        .log("message to peer not delivered" + (err == null ? "" : ": " + err.getMessage())
                                + "; it will be retried on the next tick; is TCP " + "gossip port open to it?");
            }
        });
    }

    @Override
    public GossipStatus status() {
        try {
            return node.status().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("gossip status unavailable: " + e.getMessage(), e);
        }
    }

    // listener: hop onto the loop
    @Override
    public void onMemberUp(MemberView m) {
        loop.post("member up", () -> agent.onMemberUp(m));
    }

    @Override
    public void onMemberSuspect(MemberView m) {
        loop.post("member suspect", () -> agent.onMemberSuspect(m));
    }

    @Override
    public void onMemberDead(MemberView m) {
        loop.post("member dead", () -> agent.onMemberDead(m));
    }

    @Override
    public void onMemberLeft(MemberView m) {
        loop.post("member left", () -> agent.onMemberLeft(m));
    }

    @Override
    public void onRecordChanged(MemberView m) {
        loop.post("record changed", () -> agent.onRecordChanged(m));
    }

    @Override
    public void onMessage(String from, String topic, byte[] payload) {
        loop.post("message " + topic, () -> agent.onMessage(from, topic, payload));
    }

    @Override
    public void onChannelChanged(String name) {
        loop.post("channel changed", () -> agent.onChannelChanged(name));
    }
}
