package dev.weft.gossip;

import dev.weft.gossip.swim.MemberState;
import dev.weft.gossip.swim.MemberView;
import dev.weft.gossip.swim.SwimEngine;
import dev.weft.gossip.swim.SwimOutput;
import dev.weft.gossip.transport.NettyTransport;
import dev.weft.gossip.transport.Transport;
import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.Keyring;
import dev.weft.gossip.wire.Opener;
import dev.weft.gossip.wire.PacketTooLargeException;
import dev.weft.gossip.wire.ReplayGuard;
import dev.weft.gossip.wire.Sealer;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.gossip.wire.proto.Packet;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossip facade the agent uses: SWIM membership, the owner-written node record, CRDT channels and
 * point-to-point messages over an authenticated (and, with a secret, encrypted) wire.
 *
 * <p>Threading: every protocol step runs on the single {@code executor} given by the caller (with Netty, one
 * event loop of the caller's group); the listener is called on that thread. Public methods are thread-safe: they
 * hop onto the executor and return futures. Nothing here starts a thread.
 */
public final class GossipNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GossipNode.class);
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final GossipConfig config;
    private final Transport transport;
    private final ScheduledExecutorService executor;
    private final GossipListener listener;
    private final LongSupplier nanoTime;
    private final Random random;
    private final WireCounters counters;
    private volatile Keyring keyring;
    private final Sealer sealer;
    private final Opener opener;

    // owned by the executor thread
    private SwimEngine engine;
    private final Map<String, CrdtChannel> pendingChannels = new LinkedHashMap<>();
    private byte[] pendingRecord;
    private ScheduledFuture<?> ticker;
    private long nextRejoinAt;
    private CompletableFuture<Void> leaveFuture;
    private long leaveDeadline;
    private long nextDropCheckAt;
    private final Map<DropReason, Long> droppedLogged = new EnumMap<>(DropReason.class);
    private final Map<DropReason, Long> dropLoggedAt = new EnumMap<>(DropReason.class);
    private volatile boolean closed;

    /** Production wiring: system monotonic clock, UTC wall clock (for replay freshness), SecureRandom. */
    public GossipNode(GossipConfig config, Transport transport, ScheduledExecutorService executor,
                      GossipListener listener) {
        this(config, transport, executor, listener, System::nanoTime, Clock.systemUTC(), new SecureRandom(),
                new WireCounters());
    }

    /** Full control, for tests: clocks, randomness and the counters object (share it with the transport). */
    public GossipNode(GossipConfig config, Transport transport, ScheduledExecutorService executor,
                      GossipListener listener, LongSupplier nanoTime, Clock wallClock, Random random,
                      WireCounters counters) {
        this.config = config;
        this.transport = transport;
        this.executor = executor;
        this.listener = listener;
        this.nanoTime = nanoTime;
        this.random = random;
        this.counters = counters;
        this.keyring = config.secrets().isEmpty() ? Keyring.withoutSecret(config.clusterName())
                : Keyring.withSecrets(config.clusterName(), config.secrets());
        this.sealer = Sealer.create(keyring, wallClock, new SecureRandom());
        this.opener = new Opener(keyring, wallClock,
                new ReplayGuard(config.maxClockSkew().toMillis(), 65_536), counters);
    }

    /**
     * A node on the epoll transport bound to {@code config.bindAddress()}, running on one event loop of
     * {@code group} (an epoll {@code MultiThreadIoEventLoopGroup}).
     */
    public static GossipNode create(GossipConfig config, EventLoopGroup group, GossipListener listener) {
        WireCounters counters = new WireCounters();
        NettyTransport t = new NettyTransport(group, config.bindAddress(), config.maxUdpPayload(),
                config.maxStreamFrameBytes(), config.streamTimeout(), counters);
        return new GossipNode(config, t, group.next(), listener, System::nanoTime, Clock.systemUTC(),
                new SecureRandom(), counters);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Binds, starts the protocol, and joins the configured seeds in the background. */
    public CompletableFuture<Void> start() {
        return transport.start(new Inbound()).thenRunAsync(() -> {
            InetSocketAddress adv = config.advertiseAddress() != null ? config.advertiseAddress()
                    : transport.localAddress();
            engine = new SwimEngine(config.memberId(), adv, config.incarnation(), config.swim(), random,
                    new Outbound(), counters);
            pendingChannels.forEach(engine::registerChannel);
            if (pendingRecord != null) {
                engine.setRecord(pendingRecord);
            }
            long now = nanoTime.getAsLong();
            engine.start(now);
            nextRejoinAt = now;
            long tick = config.tickInterval().toNanos();
            ticker = executor.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
            log.info("gossip started peer={} cluster={} address={} bind={} encrypted={} keys={}", config.memberId(),
                    config.clusterName(), adv, transport.localAddress(), keyring.hasSecret(), keyring.keyIds().size());
        }, executor);
    }

    /** Push-pull with each seed now; completes with the number of seeds that answered. */
    public CompletableFuture<Integer> join(List<InetSocketAddress> seeds) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        onLoop(f, () -> engine.join(List.copyOf(seeds), n -> {
            if (n == 0 && !seeds.isEmpty()) {
                log.warn("gossip join failed peer={} seeds={}: no seed answered; check addresses, port {} "
                        + "(UDP+TCP) reachability, cluster name and secret", config.memberId(), seeds,
                        GossipConfig.DEFAULT_PORT);
            } else if (n > 0) {
                log.info("gossip joined peer={} seedsAnswered={} members={}", config.memberId(), n,
                        engine.liveMembers());
            }
            f.complete(n);
        }));
        return f;
    }

    /**
     * Announce a graceful leave and wait (at most {@code timeout}) until it has been gossiped; probing stops.
     * Call {@link #close()} afterwards.
     */
    public CompletableFuture<Void> leave(Duration timeout) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        onLoop(f, () -> {
            engine.leave();
            leaveFuture = f;
            leaveDeadline = nanoTime.getAsLong() + timeout.toNanos();
            log.info("gossip leaving peer={}", config.memberId());
        });
        return f;
    }

    /** Stops timers and closes sockets. Blocks (up to 5 s) unless called on the node's own event loop. */
    @Override
    public void close() {
        CompletableFuture<Void> f = shutdown();
        if (executor instanceof EventExecutor ee && ee.inEventLoop()) {
            return;
        }
        try {
            f.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("gossip close did not finish cleanly peer={}: {}", config.memberId(), e.toString());
        }
    }

    /** Non-blocking close. */
    public CompletableFuture<Void> shutdown() {
        closed = true;
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
        return transport.close().whenComplete((v, e) -> log.info("gossip stopped peer={}", config.memberId()));
    }

    // ------------------------------------------------------------------ state the agent publishes

    /** Publishes our node record (at most {@code swim.maxRecordBytes}); replaces the previous one. */
    public void setLocalRecord(byte[] record) {
        if (record.length > config.swim().maxRecordBytes()) {
            throw new IllegalArgumentException("node record of " + record.length + " bytes exceeds maxRecordBytes="
                    + config.swim().maxRecordBytes());
        }
        byte[] copy = record.clone();
        run(() -> {
            if (engine == null) {
                pendingRecord = copy;
            } else {
                engine.setRecord(copy);
            }
        });
    }

    /** Registers a CRDT channel (before or after start). Its methods are called on the event thread. */
    public void registerChannel(String name, CrdtChannel channel) {
        run(() -> {
            if (engine == null) {
                if (pendingChannels.putIfAbsent(name, channel) != null) {
                    log.error("gossip channel registered twice name={}", name);
                }
            } else {
                engine.registerChannel(name, channel);
            }
        });
    }

    /** Tell gossip that the local state of a channel changed (it is pushed to a few members, then spreads). */
    public void channelUpdated(String name) {
        run(() -> {
            if (engine != null) {
                engine.channelUpdated(name);
            }
        });
    }

    /**
     * Sends a message to one member over a stream. Completes with true when the member accepted it; false when
     * it is unknown/not live, refused it, or did not answer within the stream timeout.
     */
    public CompletableFuture<Boolean> sendMessage(String memberId, String topic, byte[] payload) {
        if (payload.length > config.maxMessageBytes()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("message of " + payload.length
                    + " bytes exceeds maxMessageBytes=" + config.maxMessageBytes()));
        }
        byte[] copy = payload.clone();
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        onLoop(f, () -> engine.sendMessage(memberId, topic, copy, f::complete));
        return f;
    }

    /**
     * Replaces the keyring at runtime (secret rotation without downtime): first add the new secret as a second
     * entry on every member, then make it the first (primary) on every member, then drop the old one. An empty
     * list switches to cluster-name-only authentication (every member must do the same).
     */
    public void setSecrets(List<byte[]> secrets) {
        Keyring kr = secrets.isEmpty() ? Keyring.withoutSecret(config.clusterName())
                : Keyring.withSecrets(config.clusterName(), secrets);
        keyring = kr;
        opener.setKeyring(kr);
        sealer.setKeyring(kr);
        log.info("gossip keyring replaced peer={} encrypted={} keys={}", config.memberId(), kr.hasSecret(),
                kr.keyIds().size());
    }

    // ------------------------------------------------------------------ status

    public CompletableFuture<GossipStatus> status() {
        CompletableFuture<GossipStatus> f = new CompletableFuture<>();
        onLoop(f, () -> f.complete(new GossipStatus(config.clusterName(), config.memberId(), engine.incarnation(),
                config.advertiseAddress() != null ? config.advertiseAddress() : transport.localAddress(),
                keyring.hasSecret(), engine.isLeaving(), engine.members(), engine.liveMembers(),
                engine.pendingBroadcasts(), nanoTime.getAsLong(), counters.snapshot())));
        return f;
    }

    /** Traffic and drop counters; thread-safe, cheap. */
    public WireCounters.Snapshot counters() {
        return counters.snapshot();
    }

    /** Where the node is bound (the real port when 0 was configured). */
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    // ------------------------------------------------------------------ internals

    private void tick() {
        if (closed || engine == null) {
            return;
        }
        long now = nanoTime.getAsLong();
        try {
            engine.onTick(now);
            if (!config.seeds().isEmpty() && engine.liveMembers() == 0 && !engine.isLeaving() && now >= nextRejoinAt) {
                nextRejoinAt = now + config.rejoinInterval().toNanos();
                engine.join(config.seeds(), n -> {
                });
            }
            if (leaveFuture != null && (engine.leaveAnnounced(3) || now >= leaveDeadline)) {
                leaveFuture.complete(null);
                leaveFuture = null;
            }
            if (now >= nextDropCheckAt) {
                nextDropCheckAt = now + TimeUnit.SECONDS.toNanos(1);
                logDrops(now);
            }
        } catch (RuntimeException e) {
            log.error("gossip tick failed peer={}", config.memberId(), e);
        }
    }

    /** At most one line per reason per minute, with the count and what to check. */
    private void logDrops(long now) {
        WireCounters.Snapshot s = counters.snapshot();
        for (DropReason r : DropReason.values()) {
            long c = s.dropped(r);
            long before = droppedLogged.getOrDefault(r, 0L);
            Long at = dropLoggedAt.get(r);
            if (c > before && (at == null || now - at >= DROP_LOG_INTERVAL_NANOS)) {
                droppedLogged.put(r, c);
                dropLoggedAt.put(r, now);
                log.warn("gossip dropped {} packet(s) reason={} peer={}: {}", c - before, r.counterName(),
                        config.memberId(), hint(r));
            }
        }
    }

    static String hint(DropReason r) {
        return switch (r) {
            case FOREIGN_CLUSTER -> "gossip of another cluster name reaches this port; check cluster name and seeds";
            case UNKNOWN_KEY -> "a member uses a secret we do not have; check the cluster secret (when rotating, "
                    + "add the new secret everywhere before making it primary)";
            case SECURITY_MISMATCH -> "some members run with a cluster secret and some without; configure the same "
                    + "secret everywhere";
            case AUTH_FAILED -> "packets failed authentication (corrupted or forged)";
            case STALE -> "sender clock differs by more than maxClockSkew, or old packets were replayed; check NTP";
            case REPLAYED -> "duplicate packets (a replay, or a duplicating network)";
            case CHANNEL_MERGE_FAILED -> "a channel's merge rejected remote state; see the channel's own log";
            default -> "malformed or unexpected gossip input";
        };
    }

    private long now() {
        return nanoTime.getAsLong();
    }

    private void run(Runnable r) {
        try {
            executor.execute(() -> {
                if (!closed) {
                    r.run();
                }
            });
        } catch (RejectedExecutionException e) {
            // executor shut down: the node is being torn down
        }
    }

    private void onLoop(CompletableFuture<?> f, Runnable r) {
        try {
            executor.execute(() -> {
                if (closed) {
                    f.completeExceptionally(new IllegalStateException("gossip node closed"));
                } else if (engine == null) {
                    f.completeExceptionally(new IllegalStateException("gossip node not started"));
                } else {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    } catch (Error e) {
                        f.completeExceptionally(e); // never leave a caller waiting forever
                        throw e;
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
    }

    private final class Inbound implements Transport.Receiver {
        @Override
        public void onDatagram(InetSocketAddress from, byte[] data) {
            if (closed) {
                return;
            }
            counters.received(data.length);
            Packet p = opener.open(data, config.maxUdpPayload());
            if (p != null) {
                run(() -> {
                    if (engine != null) {
                        engine.onPacket(from, p, now());
                    }
                });
            }
        }

        @Override
        public CompletableFuture<byte[]> onStream(InetSocketAddress from, byte[] request) {
            counters.received(request.length + 4);
            Packet p = closed ? null : opener.open(request, config.maxStreamFrameBytes());
            if (p == null) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            onLoop(reply, () -> {
                Packet answer = engine.onStreamRequest(from, p, now());
                try {
                    byte[] b = sealer.seal(answer, config.maxStreamFrameBytes() - 4);
                    counters.sent(b.length + 4);
                    reply.complete(b);
                } catch (PacketTooLargeException e) {
                    counters.sendFailed();
                    log.warn("gossip reply too large for a stream frame peer={} to={}: {}; raise maxStreamFrameBytes",
                            config.memberId(), from, e.getMessage());
                    reply.complete(null);
                }
            });
            return reply;
        }
    }

    private final class Outbound implements SwimOutput {
        @Override
        public void send(InetSocketAddress to, Packet packet) {
            byte[] b;
            try {
                b = sealer.seal(packet, config.maxUdpPayload());
            } catch (PacketTooLargeException e) {
                counters.sendFailed();
                return;
            }
            counters.sent(b.length);
            transport.sendDatagram(to, b);
        }

        @Override
        public void exchange(InetSocketAddress to, Packet request, ReplyHandler onReply) {
            byte[] b;
            try {
                b = sealer.seal(request, config.maxStreamFrameBytes() - 4);
            } catch (PacketTooLargeException e) {
                counters.sendFailed();
                log.warn("gossip request too large for a stream frame peer={} to={}: {}; raise maxStreamFrameBytes",
                        config.memberId(), to, e.getMessage());
                onReply.onReply(null, now());
                return;
            }
            counters.streamOpened();
            counters.sent(b.length + 4);
            transport.exchange(to, b, config.streamTimeout()).whenComplete((resp, err) -> {
                Packet p = null;
                if (err == null && resp != null) {
                    counters.received(resp.length + 4);
                    p = opener.open(resp, config.maxStreamFrameBytes());
                }
                if (p == null) {
                    counters.streamFailed();
                }
                Packet reply = p;
                try {
                    executor.execute(() -> {
                        if (!closed) {
                            onReply.onReply(reply, now());
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // shutting down
                }
            });
        }

        @Override
        public void memberChanged(MemberView m, MemberState previous) {
            switch (m.state()) {
                case ALIVE -> {
                    log.info("gossip member up peer={} address={} incarnation={} was={}", m.id(), m.address(),
                            m.incarnation(), previous == null ? "unknown" : previous);
                    safely(() -> listener.onMemberUp(m));
                }
                case SUSPECT -> {
                    log.info("gossip member suspect peer={} address={} incarnation={}", m.id(), m.address(),
                            m.incarnation());
                    safely(() -> listener.onMemberSuspect(m));
                }
                case DEAD -> {
                    log.warn("gossip member dead peer={} address={} incarnation={}: it stopped answering probes "
                            + "(crashed, hung, or unreachable over UDP/TCP port {})", m.id(), m.address(),
                            m.incarnation(), m.address() == null ? "?" : m.address().getPort());
                    safely(() -> listener.onMemberDead(m));
                }
                case LEFT -> {
                    log.info("gossip member left peer={} address={}", m.id(), m.address());
                    safely(() -> listener.onMemberLeft(m));
                }
            }
        }

        @Override
        public void recordChanged(MemberView m) {
            safely(() -> listener.onRecordChanged(m));
        }

        @Override
        public void messageReceived(String fromId, String topic, byte[] payload) {
            safely(() -> listener.onMessage(fromId, topic, payload));
        }

        @Override
        public void channelChanged(String name) {
            safely(() -> listener.onChannelChanged(name));
        }

        private void safely(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("gossip listener failed peer={}", config.memberId(), e);
            }
        }
    }
}
