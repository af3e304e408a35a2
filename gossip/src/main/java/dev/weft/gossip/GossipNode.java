package dev.weft.gossip;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.swim.SwimEngine;
import dev.weft.gossip.transport.NettyTransport;
import dev.weft.gossip.transport.Transport;
import dev.weft.gossip.wire.Keyring;
import dev.weft.gossip.wire.Opener;
import dev.weft.gossip.wire.ReplayGuard;
import dev.weft.gossip.wire.Sealer;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
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
 * event loop of the caller's group); the listener and the {@link CrdtChannel}s are called on that thread and
 * must return at once (gossip never waits on the application: channels hand state over, the owner merges on its
 * own thread). Public methods are thread-safe: they hop onto the executor and return futures or nothing. Nothing
 * here starts a thread.
 */
public final class GossipNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GossipNode.class);

    final GossipConfig config;
    final Transport transport;
    final ScheduledExecutorService executor;
    final GossipListener listener;
    private final LongSupplier nanoTime;
    private final Random random;
    final WireCounters counters;
    private volatile Keyring keyring;
    final Sealer sealer;
    final Opener opener;
    private final EngineIo io;
    private final DropLog dropLog;

    // owned by the executor thread
    private SwimEngine engine;
    private final Map<String, CrdtChannel> pendingChannels = new LinkedHashMap<>();
    private byte[] pendingRecord;
    private ScheduledFuture<?> ticker;
    private long nextRejoinAt;
    private CompletableFuture<Void> leaveFuture;
    private long leaveDeadline;
    private long nextDropCheckAt;
    private volatile boolean closed;

    /** Production wiring: system monotonic clock, UTC wall clock (for replay freshness), SecureRandom. */
    public GossipNode(
            GossipConfig config, Transport transport, ScheduledExecutorService executor, GossipListener listener) {
        this(
                config,
                transport,
                executor,
                listener,
                System::nanoTime,
                Clock.systemUTC(),
                new SecureRandom(),
                new WireCounters());
    }

    /** Full control, for tests: clocks, randomness and the counters object (share it with the transport). */
    public GossipNode(
            GossipConfig config,
            Transport transport,
            ScheduledExecutorService executor,
            GossipListener listener,
            LongSupplier nanoTime,
            Clock wallClock,
            Random random,
            WireCounters counters) {
        this.config = config;
        this.transport = transport;
        this.executor = executor;
        this.listener = listener;
        this.nanoTime = nanoTime;
        this.random = random;
        this.counters = counters;
        this.keyring = config.secrets().isEmpty()
                ? Keyring.withoutSecret(config.clusterName())
                : Keyring.withSecrets(config.clusterName(), config.secrets());
        this.sealer = Sealer.create(keyring, wallClock, new SecureRandom());
        this.opener = new Opener(
                keyring, wallClock, new ReplayGuard(config.maxClockSkew().toMillis(), 65_536), counters);
        this.io = new EngineIo(this);
        this.dropLog = new DropLog(config.memberId(), counters);
    }

    /**
     * A node on the epoll transport bound to {@code config.bindAddress()}, running on one event loop of
     * {@code group} (an epoll {@code MultiThreadIoEventLoopGroup}).
     */
    public static GossipNode create(GossipConfig config, EventLoopGroup group, GossipListener listener) {
        WireCounters counters = new WireCounters();
        // the transport checks stream headers with the node's opener (keyring swaps included); it accepts
        // nothing before start(), by which time the node exists
        GossipNode[] node = new GossipNode[1];
        NettyTransport t = new NettyTransport(
                group,
                config.bindAddress(),
                config.maxUdpPayload(),
                config.maxStreamFrameBytes(),
                config.streamTimeout(),
                config.maxInboundStreams(),
                config.maxInboundStreamsPerSource(),
                header -> node[0].opener.checkHeader(header),
                counters);
        node[0] = new GossipNode(
                config, t, group.next(), listener, System::nanoTime, Clock.systemUTC(), new SecureRandom(), counters);
        return node[0];
    }

    // ------------------------------------------------------------------ lifecycle

    /** Binds, starts the protocol, and joins the configured seeds in the background. */
    public CompletableFuture<Void> start() {
        return transport
                .start(io)
                .thenRunAsync(
                        () -> {
                            InetSocketAddress adv = config.advertiseAddress() != null
                                    ? config.advertiseAddress()
                                    : transport.localAddress();
                            engine = new SwimEngine(
                                    config.memberId(),
                                    adv,
                                    config.incarnation(),
                                    config.swim(),
                                    random,
                                    io,
                                    counters,
                                    peerKeys());
                            pendingChannels.forEach(engine::registerChannel);
                            if (pendingRecord != null) {
                                engine.setRecord(pendingRecord);
                            }
                            long now = nanoTime.getAsLong();
                            engine.start(now);
                            nextRejoinAt = now;
                            long tick = config.tickInterval().toNanos();
                            ticker = executor.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
                            log.info(
                                    "gossip started peer={} cluster={} address={} bind={} encrypted={} keys={}",
                                    config.memberId(),
                                    config.clusterName(),
                                    adv,
                                    transport.localAddress(),
                                    keyring.hasSecret(),
                                    keyring.keyIds().size());
                        },
                        executor);
    }

    /** The engine's key table: the configured identity key (or a fresh one) and pins reported to the listener. */
    private PeerKeys peerKeys() {
        IdentityKey own = config.identityKey() != null ? config.identityKey() : IdentityKey.generate(random);
        PeerKeys keys = new PeerKeys(config.memberId(), own, config.pinnedKeys(), config.refuseLegacyIds());
        keys.onPinned((id, key) -> {
            try {
                listener.onKeyPinned(id, key);
            } catch (RuntimeException e) {
                log.warn("gossip listener failed on a pinned key peer={}: {}", id, e.toString());
            }
        });
        return keys;
    }

    /** Push-pull with each seed now; completes with the number of seeds that answered. */
    public CompletableFuture<Integer> join(List<InetSocketAddress> seeds) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        onLoop(
                f,
                () -> engine.join(List.copyOf(seeds), n -> {
                    if (n == 0 && !seeds.isEmpty()) {
                        log.warn(
                                "gossip join failed peer={} seeds={}: no seed answered; check addresses, port {} "
                                        + "(UDP+TCP) reachability, cluster name and secret",
                                config.memberId(),
                                seeds,
                                GossipConfig.DEFAULT_PORT);
                    } else if (n > 0) {
                        log.info(
                                "gossip joined peer={} seedsAnswered={} members={}",
                                config.memberId(),
                                n,
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

    /**
     * The owner changed a channel's state (after a local change or after merging what it received): gossip
     * recomputes the channel's digest. The full state is not pushed; the change spreads as the deltas the owner
     * publishes ({@link #publishDelta}), through digest repair and push-pull.
     */
    public void channelUpdated(String name) {
        channelUpdated(name, false);
    }

    /**
     * As {@link #channelUpdated(String)}; with {@code pushFullState} the full state is also pushed over streams to
     * a few members each gossip round until pushes stop being news (for changes not published as deltas).
     */
    public void channelUpdated(String name, boolean pushFullState) {
        run(() -> {
            if (engine != null) {
                engine.channelUpdated(name, pushFullState);
            }
        });
    }

    /**
     * Publishes a delta of a registered channel: every other member's channel gets it once through
     * {@link CrdtChannel#receiveDelta}. It rides on regular gossip (piggybacked on datagrams, each member passing
     * it on a few times) when it fits a datagram, and goes over streams to a few members (who pass it on once)
     * when it does not. Thread-safe; returns at once.
     *
     * @throws IllegalArgumentException when the delta is larger than {@code swim.maxDeltaBytes}
     */
    public void publishDelta(String channel, byte[] delta) {
        if (delta.length > config.swim().maxDeltaBytes()) {
            throw new IllegalArgumentException("delta of " + delta.length + " bytes exceeds maxDeltaBytes="
                    + config.swim().maxDeltaBytes());
        }
        byte[] copy = delta.clone();
        run(() -> {
            if (engine == null) {
                log.warn(
                        "gossip delta dropped before start peer={} channel={}: full state carries it",
                        config.memberId(),
                        channel);
                return;
            }
            try {
                engine.publishDelta(channel, copy);
            } catch (IllegalArgumentException e) {
                log.error(
                        "gossip delta not published peer={} channel={}: {}",
                        config.memberId(),
                        channel,
                        e.getMessage());
            }
        });
    }

    /**
     * Sends a message to one member over a stream. Completes with true when the member accepted it; false when
     * it is unknown/not live, refused it, or did not answer within the stream timeout.
     */
    public CompletableFuture<Boolean> sendMessage(PeerId to, String topic, byte[] payload) {
        if (payload.length > config.maxMessageBytes()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "message of " + payload.length + " bytes exceeds maxMessageBytes=" + config.maxMessageBytes()));
        }
        byte[] copy = payload.clone();
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        onLoop(f, () -> engine.sendMessage(to, topic, copy, f::complete));
        return f;
    }

    /**
     * Replaces the keyring at runtime (secret rotation without downtime): first add the new secret as a second
     * entry on every member, then make it the first (primary) on every member, then drop the old one. An empty
     * list switches to cluster-name-only authentication (every member must do the same).
     */
    public void setSecrets(List<byte[]> secrets) {
        Keyring kr = secrets.isEmpty()
                ? Keyring.withoutSecret(config.clusterName())
                : Keyring.withSecrets(config.clusterName(), secrets);
        keyring = kr;
        opener.setKeyring(kr);
        sealer.setKeyring(kr);
        log.info(
                "gossip keyring replaced peer={} encrypted={} keys={}",
                config.memberId(),
                kr.hasSecret(),
                kr.keyIds().size());
    }

    // ------------------------------------------------------------------ status

    public CompletableFuture<GossipStatus> status() {
        CompletableFuture<GossipStatus> f = new CompletableFuture<>();
        onLoop(
                f,
                () -> f.complete(new GossipStatus(
                        config.clusterName(),
                        config.memberId(),
                        engine.incarnation(),
                        config.advertiseAddress() != null ? config.advertiseAddress() : transport.localAddress(),
                        keyring.hasSecret(),
                        engine.isLeaving(),
                        engine.members(),
                        engine.liveMembers(),
                        engine.pendingBroadcasts(),
                        nanoTime.getAsLong(),
                        counters.snapshot())));
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
                engine.join(config.seeds(), n -> {});
            }
            if (leaveFuture != null && (engine.leaveAnnounced(3) || now >= leaveDeadline)) {
                leaveFuture.complete(null);
                leaveFuture = null;
            }
            if (now >= nextDropCheckAt) {
                nextDropCheckAt = now + TimeUnit.SECONDS.toNanos(1);
                dropLog.check(now);
            }
        } catch (RuntimeException e) {
            log.error("gossip tick failed peer={}", config.memberId(), e);
        }
    }

    long now() {
        return nanoTime.getAsLong();
    }

    boolean isClosed() {
        return closed;
    }

    /** The engine; only on the executor, after start. */
    SwimEngine engine() {
        return engine;
    }

    /** Runs {@code r} on the executor unless the node is closed or not started yet. */
    void run(Runnable r) {
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

    /** Runs {@code r} on the executor once started; completes {@code f} exceptionally when it cannot or fails. */
    void onLoop(CompletableFuture<?> f, Runnable r) {
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
}
