package dev.weft.gossip.sim;

import dev.weft.gossip.GossipListener;
import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimEngine;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Deterministic discrete-event simulation of many real {@link SwimEngine}s on one simulated clock, for gossip's
 * own tests and for other modules' (the agent runs whole agents on it). Everything comes from the seed: per-packet
 * random latency (so packets reorder), datagram loss (streams hide loss behind ~250 ms retransmission delays),
 * partitions, killed members (datagrams vanish, stream connects are refused at once) and hung members (datagrams
 * vanish, streams time out: what SIGSTOP looks like). No threads and no sleeps: time moves only in
 * {@link #runFor}/{@link #runUntil}, which run the queued events (deliveries, replies, 10 ms engine ticks, and
 * whatever was scheduled with {@link #at}) in time order. Bytes are counted per member as they would be on the
 * wire (protobuf size plus the envelope overhead; streams also the 4-byte length prefix), UDP and streams apart.
 *
 * <p>Everything runs on the caller's thread; exceptions thrown by a listener or an {@code at} action propagate
 * out of {@code runFor}/{@code runUntil}, so a bug fails the test at the step that caused it.
 *
 * <pre>{@code
 * SimNetwork net = new SimNetwork(42);                        // the seed decides everything
 * PeerId a = PeerId.of(1), b = PeerId.of(2);
 * SimMember ma = net.add(a, SwimSettings.defaults(), "rec-a".getBytes(), new GossipListener() {});
 * SimMember mb = net.add(b, SwimSettings.defaults(), "rec-b".getBytes(), myController.gossipListener());
 * mb.engine().registerChannel("ring", ringChannel);          // receive() hands over: merge later with net.at(...)
 * net.join(b, a);                                             // b push-pulls with a
 * net.runFor(2 * SimNetwork.SECOND);
 * net.at(net.now() + 500 * SimNetwork.MS, () -> mb.engine().publishDelta("ring", delta));
 * net.partition(Set.of(a), Set.of(b));                        // both ways
 * net.runUntil(() -> ma.engine().stateOf(b) == MemberState.DEAD, 30 * SimNetwork.SECOND, 10 * SimNetwork.MS);
 * net.heal();
 * net.kill(a);
 * SimMember a2 = net.restart(a);                              // new engine, same id/address, incarnation + 1
 * net.join(a, b);
 * long udp = mb.udpBytesSent(), tcp = mb.streamBytesSent();
 * }</pre>
 */
public final class SimNetwork {
    public static final long MS = 1_000_000L;
    public static final long SECOND = 1_000 * MS;

    private final long seed;
    private final Random rnd;
    private long now;
    private double loss;
    private long minLatency = 200_000; // 0.2 ms
    private long maxLatency = 5 * MS; // 5 ms: random latency reorders packets
    private long streamTimeout = 2_000 * MS;
    private long tickPeriod = 10 * MS;
    private long falseDeaths;
    private long falseSuspicions;
    private long falseSuspicionsCleared;
    private long falseSuspicionNanos;
    private final Map<List<PeerId>, Long> suspectedSince = new HashMap<>();
    private final java.util.Set<List<Object>> falseSuspicionEpisodes = new java.util.HashSet<>();
    private long seq;
    private final PriorityQueue<Ev> events = new PriorityQueue<>();
    private final Map<PeerId, SimMember> byId = new LinkedHashMap<>();
    private final Map<InetSocketAddress, SimMember> byAddress = new HashMap<>();
    private final List<Set<PeerId>[]> partitions = new ArrayList<>();
    private int nextAddress;

    private record Ev(long time, long seq, Runnable action) implements Comparable<Ev> {
        @Override
        public int compareTo(Ev o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    public SimNetwork(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    /** The simulation's random source (use it for the test's own choices too, so one seed replays everything). */
    public Random random() {
        return rnd;
    }

    /** Simulated monotonic time in nanoseconds (starts at 0). */
    public long now() {
        return now;
    }

    /** Fraction (0..1) of datagrams lost; streams get ~250 ms extra delay per "lost segment" instead. */
    public void setLoss(double loss) {
        this.loss = loss;
    }

    public void setLatency(long minNanos, long maxNanos) {
        if (minNanos < 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("need 0 <= min <= max");
        }
        this.minLatency = minNanos;
        this.maxLatency = maxNanos;
    }

    /** How long a stream to a hung or partitioned member takes to fail (default 2 s). */
    public void setStreamTimeout(long nanos) {
        this.streamTimeout = nanos;
    }

    // ------------------------------------------------------------------ members

    /**
     * Adds and starts a member with incarnation 1 (a record, if not empty, is set as GossipNode would: the
     * incarnation becomes 2). {@code listener} may be null (no events wanted). Join it with {@link #join}.
     */
    public SimMember add(PeerId id, SwimSettings settings, byte[] record, GossipListener listener) {
        return add(id, settings, 1, record, listener);
    }

    public SimMember add(PeerId id, SwimSettings settings, long incarnation, byte[] record, GossipListener listener) {
        if (byId.containsKey(id)) {
            throw new IllegalArgumentException("member " + id + " already added (use restart)");
        }
        int i = nextAddress++;
        InetSocketAddress a;
        try {
            // 198.18.0.0/15 (benchmarking range): never routed anywhere, this is only a label
            a = new InetSocketAddress(
                    InetAddress.getByAddress(
                            new byte[] {(byte) 198, (byte) (18 + (i >> 16)), (byte) (i >> 8), (byte) i}),
                    6770);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        SimMember m = new SimMember(id, a, listener == null ? new GossipListener() {} : listener);
        byId.put(id, m);
        byAddress.put(a, m);
        boot(m, settings, incarnation, record);
        return m;
    }

    /** Kills a member: it stops at once (datagrams to it vanish, streams are refused). */
    public void kill(PeerId id) {
        member(id).killed = true;
    }

    /** Hangs (or resumes) a member: it processes nothing, its "sockets" stay open (streams to it time out). */
    public void hang(PeerId id, boolean hung) {
        member(id).hung = hung;
    }

    /** Restarts a member (killing it first if needed) with the next incarnation and the same listener. */
    public SimMember restart(PeerId id) {
        SimMember old = member(id);
        return restart(id, old.engine.incarnation() + 1, old.engine.record(), old.listener(), settings.get(id));
    }

    /**
     * Restarts a member: a fresh engine (no channels registered, no members known) with the same id and address,
     * the given incarnation, record and listener. Join it to someone afterwards ({@link #join}).
     */
    public SimMember restart(
            PeerId id, long incarnation, byte[] record, GossipListener listener, SwimSettings settings) {
        SimMember old = member(id);
        old.killed = true;
        retiredBytes += old.bytesSent();
        retiredStreamBytes += old.streamBytesSent();
        SimMember m = new SimMember(id, old.address(), listener == null ? new GossipListener() {} : listener);
        byId.put(id, m);
        byAddress.put(m.address(), m);
        boot(m, settings, incarnation, record);
        return m;
    }

    /** {@code joiner} push-pulls with each seed (as GossipNode.join does). */
    public void join(PeerId joiner, PeerId... seeds) {
        List<InetSocketAddress> l = new ArrayList<>();
        for (PeerId s : seeds) {
            l.add(member(s).address());
        }
        member(joiner).engine.join(l, k -> {});
    }

    /** The current member for {@code id} (after a restart, the new one). */
    public SimMember member(PeerId id) {
        SimMember m = byId.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no member " + id);
        }
        return m;
    }

    /** Every member in the order added (killed ones included; a restarted one appears as its new self). */
    public List<SimMember> members() {
        return List.copyOf(byId.values());
    }

    /** Members neither killed nor hung. */
    public List<SimMember> live() {
        return byId.values().stream().filter(SimMember::up).toList();
    }

    // ------------------------------------------------------------------ network faults

    /** Cuts all traffic between every member of {@code a} and every member of {@code b}, both ways. */
    @SuppressWarnings("unchecked")
    public void partition(Set<PeerId> a, Set<PeerId> b) {
        partitions.add(new Set[] {Set.copyOf(a), Set.copyOf(b)});
    }

    /** Removes every partition. */
    public void heal() {
        partitions.clear();
    }

    public boolean connected(PeerId x, PeerId y) {
        for (Set<PeerId>[] p : partitions) {
            if (p[0].contains(x) && p[1].contains(y) || p[1].contains(x) && p[0].contains(y)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ time

    /** Runs {@code action} at simulated time {@code timeNanos} (now, if that is in the past), in order with the rest. */
    public void at(long timeNanos, Runnable action) {
        events.add(new Ev(Math.max(timeNanos, now), seq++, action));
    }

    public void after(long delayNanos, Runnable action) {
        at(now + delayNanos, action);
    }

    public void runFor(long nanos) {
        runUntil(() -> false, nanos, Long.MAX_VALUE / 4);
    }

    /**
     * Runs events until {@code cond} holds (checked every {@code checkEveryNanos} of simulated time) or
     * {@code maxNanos} pass; returns the simulated time it took, or -1.
     */
    public long runUntil(BooleanSupplier cond, long maxNanos, long checkEveryNanos) {
        long start = now;
        long deadline = now + maxNanos;
        long nextCheck = now;
        while (true) {
            if (now >= nextCheck) {
                if (cond.getAsBoolean()) {
                    return now - start;
                }
                nextCheck = now + checkEveryNanos;
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

    // ------------------------------------------------------------------ observations

    /** DEAD declarations about a member that was up and reachable from the declarer (should stay 0). */
    public long falseDeaths() {
        return falseDeaths;
    }

    /** SUSPECT declarations about a member that was up and reachable (happen under loss; refuted). */
    public long falseSuspicions() {
        return falseSuspicions;
    }

    public void resetFalseCounts() {
        falseDeaths = 0;
        falseSuspicions = 0;
        falseSuspicionsCleared = 0;
        falseSuspicionEpisodes.clear();
        falseSuspicionNanos = 0;
    }

    /** Every live member other than {@code subject} sees it in {@code state}. */
    public boolean allSee(PeerId subject, MemberState state) {
        for (SimMember n : byId.values()) {
            if (!n.id().equals(subject) && n.up() && n.engine.stateOf(subject) != state) {
                return false;
            }
        }
        return true;
    }

    /** Every live member knows exactly the other live members as live. */
    public boolean converged() {
        int liveCount = live().size();
        for (SimMember n : byId.values()) {
            if (n.up() && n.engine.liveMembers() != liveCount - 1) {
                return false;
            }
        }
        return true;
    }

    /** Bytes sent by every member so far (restarted ones included), split by what they carry. */
    public SimTraffic traffic() {
        return traffic;
    }

    public long totalBytes() {
        return byId.values().stream().mapToLong(SimMember::bytesSent).sum() + retiredBytes;
    }

    public long totalStreamBytes() {
        return byId.values().stream().mapToLong(SimMember::streamBytesSent).sum() + retiredStreamBytes;
    }

    // ------------------------------------------------------------------ internals

    private final Map<PeerId, SwimSettings> settings = new HashMap<>();
    private final SimTraffic traffic = new SimTraffic();
    private long retiredBytes;
    private long retiredStreamBytes;

    SimMember at(InetSocketAddress address) {
        return byAddress.get(address);
    }

    double loss() {
        return loss;
    }

    long streamTimeout() {
        return streamTimeout;
    }

    /** Counts a SUSPECT/DEAD declaration by {@code observer} about a member that is up and reachable from it. */
    void declared(SimMember observer, MemberView member) {
        SimMember subject = byId.get(member.id());
        if (subject != null && subject.up() && observer.up() && connected(observer.id(), subject.id())) {
            if (member.state() == MemberState.DEAD) {
                falseDeaths++;
            } else if (member.state() == MemberState.SUSPECT) {
                falseSuspicions++;
                falseSuspicionEpisodes.add(List.of(member.id(), member.incarnation()));
                suspectedSince.put(List.of(observer.id(), member.id()), now);
            }
        }
        if (member.state() != MemberState.SUSPECT) {
            Long since = suspectedSince.remove(List.of(observer.id(), member.id()));
            if (since != null && member.state() == MemberState.ALIVE) {
                falseSuspicionsCleared++;
                falseSuspicionNanos += now - since;
            }
        }
    }

    /**
     * Distinct (member, incarnation) pairs falsely suspected since {@link #resetFalseCounts}: each is one probe
     * failure (or a few at once) that then spread; {@link #falseSuspicions} counts every member that took it up.
     */
    public long falseSuspicionEpisodes() {
        return falseSuspicionEpisodes.size();
    }

    /**
     * Mean time (ns) a false suspicion lasted at the member that held it until it saw the member ALIVE again (the
     * refutation reaching it), over the false suspicions cleared since {@link #resetFalseCounts}; 0 if none.
     */
    public long meanFalseSuspicionNanos() {
        return falseSuspicionsCleared == 0 ? 0 : falseSuspicionNanos / falseSuspicionsCleared;
    }

    private void boot(SimMember m, SwimSettings s, long incarnation, byte[] record) {
        settings.put(m.id(), s);
        m.engine = new SwimEngine(
                m.id(), m.address(), incarnation, s, new Random(rnd.nextLong()), new SimWire(this, m), m.counters);
        if (record != null && record.length > 0) {
            m.engine.setRecord(record);
        }
        m.engine.start(now);
        at(now + (long) (rnd.nextDouble() * tickPeriod), () -> tick(m));
    }

    private void tick(SimMember m) {
        if (m.killed) {
            return;
        }
        if (!m.hung) {
            m.engine.onTick(now);
        }
        at(now + tickPeriod, () -> tick(m));
    }

    long latency() {
        return minLatency + (long) (rnd.nextDouble() * (maxLatency - minLatency));
    }

    /** One leg of a stream: TCP hides loss behind a retransmission (about 250 ms per lost segment). */
    long streamLatency() {
        long l = latency();
        while (rnd.nextDouble() < loss) {
            l += 250 * MS;
        }
        return l;
    }

    boolean reachable(SimMember from, SimMember to) {
        return to.up() && connected(from.id(), to.id());
    }

    /**
     * Builds an n-member cluster with ids {@code PeerId.of(1..n)} (after any members already added, ids continue):
     * the first starts alone, each next one joins through a random earlier member {@code staggerNanos} later. Runs
     * until every member knows every other; returns the time that took after the last join, or -1 after
     * {@code maxNanos}.
     */
    public long bootstrap(int n, SwimSettings settings, long staggerNanos, long maxNanos) {
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                runFor(staggerNanos);
            }
            List<SimMember> before = members();
            SimMember joiner = add(PeerId.of(byId.size() + 1L), settings, null, null);
            if (!before.isEmpty()) {
                join(joiner.id(), before.get(rnd.nextInt(before.size())).id());
            }
        }
        return runUntil(this::converged, maxNanos, 50 * MS);
    }
}
