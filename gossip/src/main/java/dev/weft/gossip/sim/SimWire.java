package dev.weft.gossip.sim;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimOutput;
import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.proto.ChannelDelta;
import dev.weft.gossip.wire.proto.ChannelState;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.id.PeerId;
import java.net.InetSocketAddress;

/**
 * The engine output of one {@link SimMember}: the simulated wire (latency, loss, partitions, killed and hung
 * members, byte and channel-data counting) and its events passed to the member's listener.
 */
final class SimWire implements SwimOutput {
    private final SimNetwork net;
    private final SimMember self;

    SimWire(SimNetwork net, SimMember self) {
        this.net = net;
        this.self = self;
    }

    @Override
    public void send(InetSocketAddress to, Packet packet) {
        int size = packet.getSerializedSize() + Envelope.OVERHEAD;
        if (size > 1400) {
            throw new AssertionError("datagram over the UDP cap: " + size);
        }
        self.udpBytesSent += size;
        self.packetsSent++;
        net.traffic().count(packet, false);
        countChannelData(self, packet);
        if (net.random().nextDouble() < net.loss()) {
            return;
        }
        net.after(net.latency(), () -> {
            SimMember t = net.at(to);
            if (t != null && net.reachable(self, t)) {
                t.udpBytesReceived += size;
                t.engine.onPacket(self.address(), packet, net.now());
            }
        });
    }

    @Override
    public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
        int reqSize = request.getSerializedSize() + Envelope.OVERHEAD + 4;
        self.streamBytesSent += reqSize;
        self.packetsSent++;
        net.traffic().count(request, true);
        countChannelData(self, request);
        SimMember t = net.at(to);
        if (t == null || t.killed) {
            net.after(net.latency(), () -> reply(onReply, null)); // connection refused
            return;
        }
        if (!net.reachable(self, t)) {
            net.after(net.streamTimeout(), () -> reply(onReply, null)); // connect/read timeout
            return;
        }
        net.after(net.streamLatency(), () -> {
            if (!net.reachable(self, t)) {
                net.after(net.streamTimeout(), () -> reply(onReply, null));
                return;
            }
            t.streamBytesReceived += reqSize;
            Packet answer = t.engine.onStreamRequest(self.address(), request, net.now());
            int replySize = answer.getSerializedSize() + Envelope.OVERHEAD + 4;
            t.streamBytesSent += replySize;
            t.packetsSent++;
            net.traffic().count(answer, true);
            countChannelData(t, answer);
            net.after(net.streamLatency(), () -> {
                self.streamBytesReceived += replySize;
                reply(onReply, answer);
            });
        });
    }

    /** Full channel states and channel deltas inside a packet {@code m} sends (counted as it leaves, lost or not). */
    private static void countChannelData(SimMember m, Packet p) {
        if (p.hasPushPull()) {
            for (ChannelState cs : p.getPushPull().getChannelsList()) {
                m.channelStatesSent++;
                m.channelStateBytesSent += cs.getState().size();
            }
        } else if (p.hasChannelPush() && p.getChannelPush().hasChannel()) {
            m.channelStatesSent++;
            m.channelStateBytesSent +=
                    p.getChannelPush().getChannel().getState().size();
        } else if (p.hasDelta()) {
            m.deltasSent++;
            m.deltaBytesSent += p.getDelta().getDelta().size();
        }
        for (ChannelDelta d : p.getDeltasList()) {
            m.deltasSent++;
            m.deltaBytesSent += d.getDelta().size();
        }
    }

    private void reply(ReplyHandler h, Packet p) {
        if (self.up()) {
            h.onReply(p, net.now());
        }
    }

    @Override
    public void memberChanged(MemberView member, MemberState previous) {
        net.declared(self, member);
        self.listener().onMemberChanged(member);
    }

    @Override
    public void recordChanged(MemberView member) {
        self.listener().onRecordChanged(member);
    }

    @Override
    public void messageReceived(PeerId from, String topic, byte[] payload) {
        self.listener().onMessage(from, topic, payload);
    }
}
