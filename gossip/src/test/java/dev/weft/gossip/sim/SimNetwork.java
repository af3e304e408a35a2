package dev.weft.gossip.sim;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimEngine;
import dev.weft.gossip.swim.SwimOutput;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.gossip.wire.Envelope;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.ChannelState;
import dev.weft.gossip.wire.proto.Packet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Deterministic discrete-event simulation of many SwimEngines on one simulated clock: seeded randomness,
 * per-packet random latency (so packets reorder), loss, partitions, killed members (datagrams vanish, stream
 * connects are refused at once) and hung members (datagrams vanish, streams time out: what SIGSTOP looks like).
 * Bytes are counted as they would be on the wire (protobuf size + envelope overhead), and so are the CRDT channel
 * states carried by stream packets (push-pull and channel pushes, requests and replies).
 *
 * <p>Public (and shipped in the gossip test-jar) so that simulations of whole agents in other modules can run real
 * engines on it: such a caller names its members ({@link #addNode(String, SwimSettings)}) and receives each
 * member's callbacks through {@link Node#listener}.
 */
public final class SimNetwork {
    private static final class SwimSettingsHolder {
        static SwimSettings settings = SwimSettings.defaults();
    }

    public static final long MS = 1_000_000L;

    final long seed;
    public final Random rnd;
    public long now;
    double loss;
    long minLatency = 200_000;   // 0.2 ms
    long maxLatency = 5 * MS;    // 5 ms: random latency reorders packets
    long streamTimeout = 2_000 * MS;
    long tickPeriod = 10 * MS;
    public long falseDeadDeclarations;
    public long falseSuspicions;
    private long seq;
    private final PriorityQueue<Ev> events = new PriorityQueue<>();
    public final List<Node> nodes = new ArrayList<>();
    private final Map<InetSocketAddress, Node> byAddress = new HashMap<>();

    private record Ev(long time, long seq, Runnable action) implements Comparable<Ev> {
        @Override
        public int compareTo(Ev o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    public final class Node implements SwimOutput {
        public final String id;
        public final InetSocketAddress address;
        public final SwimEngine engine;
        public final WireCounters counters = new WireCounters();
        boolean killed;
        boolean hung;
        int partition;
        public long bytesSent;
        public long streamBytesSent;
        public long packetsSent;
        /** CRDT channel states (full state of one channel) this member put on the wire, and their encoded bytes. */
        public long channelStatesSent;
        public long channelStateBytesSent;
        /** Receives this member's callbacks (membership, records, messages, channel changes); none by default. */
        public SwimOutput listener;

        Node(String id, InetSocketAddress address, SwimSettings settings, long incarnation) {
            this.id = id;
            this.address = address;
            this.engine = new SwimEngine(id, address, incarnation, settings, new Random(rnd.nextLong()), this, counters);
        }

        boolean up() {
            return !killed && !hung;
        }

        @Override
        public void send(InetSocketAddress to, Packet packet) {
            int size = packet.getSerializedSize() + Envelope.OVERHEAD;
            if (size > 1400) {
                throw new AssertionError("datagram over the UDP cap: " + size);
            }
            bytesSent += size;
            packetsSent++;
            if (rnd.nextDouble() < loss) {
                return;
            }
            at(now + latency(), () -> {
                Node t = byAddress.get(to);
                if (t != null && t.up() && t.partition == partition) {
                    t.engine.onPacket(address, packet, now);
                }
            });
        }

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
            bytesSent += request.getSerializedSize() + Envelope.OVERHEAD + 4;
            streamBytesSent += request.getSerializedSize() + Envelope.OVERHEAD + 4;
            packetsSent++;
            countChannelStates(request);
            Node t = byAddress.get(to);
            if (t == null || t.killed) {
                at(now + latency(), () -> reply(onReply, null)); // connection refused
                return;
            }
            if (t.hung || t.partition != partition) {
                at(now + streamTimeout, () -> reply(onReply, null)); // connect/read timeout
                return;
            }
            at(now + streamLatency(), () -> {
                if (!t.up() || t.partition != partition) {
                    at(now + streamTimeout, () -> reply(onReply, null));
                    return;
                }
                Packet answer = t.engine.onStreamRequest(address, request, now);
                t.bytesSent += answer.getSerializedSize() + Envelope.OVERHEAD + 4;
                t.streamBytesSent += answer.getSerializedSize() + Envelope.OVERHEAD + 4;
                t.packetsSent++;
                t.countChannelStates(answer);
                at(now + streamLatency(), () -> reply(onReply, answer));
            });
        }

        private void countChannelStates(Packet p) {
            if (p.hasPushPull()) {
                for (ChannelState cs : p.getPushPull().getChannelsList()) {
                    channelStatesSent++;
                    channelStateBytesSent += cs.getState().size();
                }
            } else if (p.hasChannelPush()) {
                channelStatesSent++;
                channelStateBytesSent += p.getChannelPush().getChannel().getState().size();
            }
        }

        private void reply(ReplyHandler h, Packet p) {
            if (up()) {
                h.onReply(p, now);
            }
        }

        @Override
        public void memberChanged(MemberView member, MemberState previous) {
            Node subject = byId(member.id());
            if (subject != null && subject.up() && up() && subject.partition == partition) {
                if (member.state() == MemberState.DEAD) {
                    falseDeadDeclarations++;
                    if (falseDeadDeclarations <= 3) System.out.println("DEBUG false death t=" + now / MS + " observer=" + id + " subject=" + member
                            + " subjectInc=" + subject.engine.incarnation() + " prev=" + previous);
                } else if (member.state() == MemberState.SUSPECT) {
                    falseSuspicions++;
                }
            }
            if (listener != null) {
                listener.memberChanged(member, previous);
            }
        }

        @Override
        public void recordChanged(MemberView member) {
            if (listener != null) {
                listener.recordChanged(member);
            }
        }

        @Override
        public void messageReceived(String fromId, String topic, byte[] payload) {
            if (listener != null) {
                listener.messageReceived(fromId, topic, payload);
            }
        }

        @Override
        public void channelChanged(String name) {
            if (listener != null) {
                listener.channelChanged(name);
            }
        }

        void tick() {
            if (killed) {
                return;
            }
            if (!hung) {
                engine.onTick(now);
            }
            at(now + tickPeriod, this::tick);
        }
    }

    public SimNetwork(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
    }

    private final Map<String, Node> byId = new HashMap<>();

    Node byId(String id) {
        return byId.get(id);
    }

    Node addNode(SwimSettings settings) {
        return addNode("m" + nodes.size(), settings);
    }

    /** Adds and starts a member with the given id (it joins nobody: call {@code engine.join}). */
    public Node addNode(String id, SwimSettings settings) {
        int i = nodes.size();
        InetSocketAddress a;
        try {
            // 198.18.0.0/15 (benchmarking range): never routed anywhere, this is only a label
            a = new InetSocketAddress(InetAddress.getByAddress(new byte[]{(byte) 198, (byte) (18 + (i >> 16)),
                    (byte) (i >> 8), (byte) i}), 6770);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        SwimSettingsHolder.settings = settings;
        Node n = new Node(id, a, settings, 1);
        nodes.add(n);
        byAddress.put(a, n);
        byId.put(n.id, n);
        n.engine.start(now);
        at(now + (long) (rnd.nextDouble() * tickPeriod), n::tick);
        return n;
    }

    public void at(long time, Runnable r) {
        events.add(new Ev(time, seq++, r));
    }

    private long latency() {
        return minLatency + (long) (rnd.nextDouble() * (maxLatency - minLatency));
    }

    /** One leg of a stream: TCP hides loss behind a retransmission (about 250 ms per lost segment). */
    private long streamLatency() {
        long l = latency();
        while (rnd.nextDouble() < loss) {
            l += 250 * MS;
        }
        return l;
    }

    /** Runs events until {@code cond} holds (checked every {@code checkEvery}) or {@code maxNanos} pass; returns elapsed or -1. */
    public long runUntil(BooleanSupplier cond, long maxNanos, long checkEvery) {
        long start = now;
        long deadline = now + maxNanos;
        long nextCheck = now;
        while (true) {
            if (now >= nextCheck) {
                if (cond.getAsBoolean()) {
                    return now - start;
                }
                nextCheck = now + checkEvery;
            }
            Ev e = events.peek();
            if (e == null || e.time > deadline) {
                now = deadline;
                return cond.getAsBoolean() ? now - start : -1;
            }
            events.poll();
            now = Math.max(now, e.time);
            e.action.run();
        }
    }

    public void runFor(long nanos) {
        runUntil(() -> false, nanos, Long.MAX_VALUE / 4);
    }

    List<Node> live() {
        return nodes.stream().filter(Node::up).toList();
    }

    /** Every live node other than {@code subject} sees it in {@code state}. */
    boolean allSee(Node subject, MemberState state) {
        for (Node n : nodes) {
            if (n != subject && n.up() && n.engine.stateOf(subject.id) != state) {
                return false;
            }
        }
        return true;
    }

    /** Every live node knows every other live node as ALIVE. */
    public boolean converged() {
        int liveCount = 0;
        for (Node n : nodes) {
            if (n.up()) {
                liveCount++;
            }
        }
        for (Node n : nodes) {
            if (n.up() && n.engine.liveMembers() != liveCount - 1) {
                return false;
            }
        }
        return true;
    }

    long totalStreamBytes() {
        long b = 0;
        for (Node n : nodes) {
            b += n.streamBytesSent;
        }
        return b;
    }

    long totalBytes() {
        long b = 0;
        for (Node n : nodes) {
            b += n.bytesSent;
        }
        return b;
    }

    /** Replaces a (killed) node by a fresh engine with the same id and address and the given incarnation. */
    Node restart(Node old, long incarnation) {
        Node n = new Node(old.id, old.address, SwimSettingsHolder.settings, incarnation);
        nodes.set(nodes.indexOf(old), n);
        byAddress.put(n.address, n);
        byId.put(n.id, n);
        n.engine.start(now);
        at(now + (long) (rnd.nextDouble() * tickPeriod), n::tick);
        return n;
    }

    /** Builds an n-member cluster: node 0 first, then the others join through random earlier nodes, staggered. */
    long bootstrap(int n, SwimSettings settings, long staggerNanos, long maxNanos) {
        Node first = addNode(settings);
        for (int i = 1; i < n; i++) {
            runFor(staggerNanos);
            Node seedNode = nodes.get(rnd.nextInt(nodes.size()));
            Node joiner = addNode(settings);
            joiner.engine.join(List.of(seedNode.address), k -> {
            });
        }
        return runUntil(this::converged, maxNanos, 50 * MS);
    }
}
