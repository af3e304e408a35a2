package dev.weft.datapath.sleeve;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.RtNetlink;
import dev.weft.ipam.addr.Cidr;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.UnixChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sleeve: a userspace VXLAN-framed (optionally encrypted) datapath. Packets routed to the TUN
 * device are read by one thread per TUN queue, matched to a peer by longest prefix, framed and sent
 * over UDP from that same thread (no hand-off); UDP datagrams from known peers are received on the
 * caller's Netty epoll event loop group, checked, unframed and written into the TUN device, and what the
 * kernel queues on the TUN device during that write (the answer: an echo reply, a TCP ACK) is sent from
 * the event loop at once, without waking the reader thread ({@link TxQueue#drainNow}).
 *
 * <p>Create with {@link #start} on a thread that is in the network namespace where the device and
 * sockets must live (the agent's own namespace in production; in tests a {@code NetlinkNamespace}
 * thread). {@link #start} creates the TUN device, sets its MTU, brings it up, assigns the own VTEP
 * address (/32) and binds the UDP sockets. Routes to peers' ranges are the caller's (the reconciler's):
 * see {@link SleeveRoutes}.
 */
public final class SleeveBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SleeveBackend.class);
    static final int BATCH = 64;
    /**
     * The receive socket buffer (the kernel doubles it). The receiver is the slower half of the sleeve, so a bulk
     * flow's standing queue sits here and every other packet waits behind it: 4 MiB held 1.7 MB (about 14 ms at
     * 1 Gbit/s) ahead of a ping; 256 KiB bounds it to a few GSO batches, with no throughput lost (issue 17).
     */
    static final int RCVBUF = 256 << 10;

    private final SleeveConfig config;
    private final TunDevice tun;
    private final int ifindex;
    private final Channel[] channels;
    private final Thread[] queueThreads;
    /** Per TUN queue: held by whoever reads it (its reader thread or its socket's event loop), so frames keep order. */
    private final TxQueue.Gate[] gates;

    private final SleeveCounters counters = new SleeveCounters();
    private final InstantSource clock;
    private final SecureRandom random;
    private final boolean gso;
    private final AtomicLong lastSessionStart = new AtomicLong();
    private final PeerSessions.SessionClock sessionClock;
    private volatile boolean running = true;

    // peer tables: replaced as a whole (copy on write) under 'this'
    private final Map<Long, SleevePeer> peerSpecs = new LinkedHashMap<>();
    /** The pre-shared keys, primary first (replaced by {@link #setPsks}); empty for a plain sleeve. */
    private List<byte[]> psks;

    private final Map<Long, PeerState> peerStates = new HashMap<>();
    private volatile PrefixTable<PeerState> routes = PrefixTable.empty();
    private volatile Map<InetAddress, PeerState> bySource = Map.of();
    private volatile Map<Long, PeerState> byId = Map.of();

    private SleeveBackend(
            SleeveConfig config,
            TunDevice tun,
            int ifindex,
            EventLoopGroup group,
            ThreadFactory threads,
            InstantSource clock,
            SecureRandom random) {
        this.config = config;
        this.psks = config.encrypted() ? config.crypto().psks() : List.of();
        this.tun = tun;
        this.ifindex = ifindex;
        this.clock = clock;
        this.random = random;
        this.gso = config.offloads() && SegmentedDatagramPacket.isSupported();
        this.sessionClock = new PeerSessions.SessionClock() {
            @Override
            public long next(long nowMillis) {
                return lastSessionStart.accumulateAndGet(nowMillis, (prev, now) -> Math.max(prev + 1, now));
            }

            @Override
            public int random() {
                return SleeveBackend.this.random.nextInt();
            }
        };
        this.channels = new Channel[config.queues()];
        this.queueThreads = new Thread[config.queues()];
        this.gates = new TxQueue.Gate[config.queues()];
        for (int q = 0; q < gates.length; q++) gates[q] = new TxQueue.Gate();
        try {
            // datagrams up to 64 KiB: a kernel VXLAN sender on the same host (veth) delivers GSO super-frames
            int payload = 65535;
            // the underlay's family: an IPv6 underlay needs IPv6 sockets, bound to [::]
            SocketProtocolFamily family =
                    config.underlayIpv6() ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
            InetSocketAddress local = config.underlayIpv6()
                    ? new InetSocketAddress(InetAddress.ofLiteral("::"), config.port())
                    : new InetSocketAddress(config.port());
            for (int q = 0; q < config.queues(); q++) {
                UdpHandler handler = new UdpHandler(this, q, tun.queue(q, java.lang.foreign.Arena.ofAuto()));
                Bootstrap b = new Bootstrap()
                        .group(group)
                        .channelFactory((io.netty.channel.ChannelFactory<EpollDatagramChannel>)
                                () -> new EpollDatagramChannel(family))
                        .option(EpollChannelOption.SO_REUSEPORT, true)
                        .option(ChannelOption.SO_RCVBUF, RCVBUF)
                        .option(ChannelOption.SO_SNDBUF, 4 << 20)
                        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
                        // UDP_GRO: one recvmsg returns a whole GSO batch, which Netty splits into datagrams
                        // (its recvmmsg path does not parse the GRO segment size, so it is off here)
                        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, config.offloads() ? 0 : payload)
                        .option(EpollChannelOption.UDP_GRO, config.offloads())
                        .option(
                                ChannelOption.RCVBUF_ALLOCATOR,
                                new FixedRecvByteBufAllocator(config.offloads() ? payload + 1 : payload * 8))
                        .handler(handler);
                // the socket is created here, on the calling thread, so it lives in the caller's namespace
                try {
                    channels[q] = b.bind(local).sync().channel();
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) { // Netty rethrows the native bind error (an IOException) unchecked
                    throw new IllegalStateException(
                            "sleeve cannot bind UDP" + (config.underlayIpv6() ? "6" : "") + " port " + config.port()
                                    + ": "
                                    + e.getMessage()
                                    + (config.encrypted()
                                            ? ""
                                            : "; if a kernel VXLAN device on this node uses this port, give the"
                                                    + " plain sleeve another port (the same on every node)"),
                            e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeChannels();
            throw new IllegalStateException("interrupted binding sleeve sockets", e);
        } catch (RuntimeException e) {
            closeChannels();
            throw e;
        }
        for (int q = 0; q < config.queues(); q++) {
            TxQueue tx = new TxQueue(this, q, socketFd(q), gates[q]);
            Thread t = threads.newThread(new TunReader(this, tx));
            if (t == null) throw new IllegalArgumentException("thread factory returned null");
            t.setName("weft-sleeve-tx-" + q);
            queueThreads[q] = t;
        }
        for (Thread t : queueThreads) t.start();
    }

    /**
     * Creates the TUN device and sockets in the calling thread's network namespace and starts one
     * sender thread per queue from {@code threads} (platform threads: they block in poll(2)).
     *
     * @throws TunException when the TUN device cannot be created (no CAP_NET_ADMIN, no TUN support)
     */
    public static SleeveBackend start(
            SleeveConfig config,
            EventLoopGroup group,
            ThreadFactory threads,
            InstantSource clock,
            SecureRandom random) {
        int offloads = config.offloads() ? TunDevice.TUN_F_CSUM | TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6 : 0;
        TunDevice tun = TunDevice.open(config.deviceName(), config.queues(), true, offloads);
        int ifindex;
        String ipv6;
        try (RtNetlink nl = RtNetlink.open()) {
            ipv6 = TunIpv6.enable(config.deviceName()); // while the device is down: no link-local address
            Link link = nl.link(config.deviceName())
                    .orElseThrow(() -> new TunException("lookup of " + config.deviceName() + " after TUNSETIFF", 19));
            ifindex = link.index();
            nl.updateLink(new LinkUpdate(ifindex).mtu(config.tunMtu()).up(true));
            nl.addAddress(Address.of(ifindex, config.ownVtepAddress().toInetAddress(), 32), true);
        } catch (RuntimeException e) {
            tun.close();
            throw e;
        }
        try {
            SleeveBackend b = new SleeveBackend(config, tun, ifindex, group, threads, clock, random);
            LOG.info(
                    "sleeve started device={} ifindex={} mtu={} port={} underlay={} encrypted={} queues={} udp_gso={}"
                            + " ipv6={}",
                    config.deviceName(),
                    ifindex,
                    config.tunMtu(),
                    config.port(),
                    config.underlayIpv6() ? "IPv6" : "IPv4",
                    config.encrypted(),
                    config.queues(),
                    b.gso,
                    ipv6);
            return b;
        } catch (RuntimeException e) {
            tun.close();
            throw e;
        }
    }

    /** Adds or replaces a peer (by id). Throws {@link IllegalArgumentException} for a bad public key. */
    public synchronized void upsertPeer(SleevePeer peer) {
        put(peer);
        rebuild();
    }

    /**
     * Makes the peer set exactly {@code peers} in one step (one table rebuild, for the agent's
     * reconcile of a whole cluster view). Sessions of peers whose key did not change are kept.
     */
    /**
     * Replaces the pre-shared keys (the cluster secret file changed), primary first: every peer's next packet starts a
     * new session under the new primary; frames under any of the new keys are accepted. No effect on a plain sleeve.
     */
    public synchronized void setPsks(List<byte[]> newPsks) {
        if (!config.encrypted()) return;
        psks = config.crypto().withPsks(newPsks).psks();
        for (PeerState st : peerStates.values()) {
            if (st.sessions != null) st.sessions.setPsks(psks);
        }
        LOG.info("sleeve keys replaced keys={}", psks.size());
    }

    public synchronized void setPeers(java.util.Collection<SleevePeer> peers) {
        java.util.Set<Long> keep = new java.util.HashSet<>();
        for (SleevePeer p : peers) keep.add(p.peerId());
        for (Long id : List.copyOf(peerSpecs.keySet())) {
            if (!keep.contains(id)) {
                peerSpecs.remove(id);
                peerStates.remove(id);
                LOG.info("sleeve peer removed peer={}", Long.toHexString(id));
            }
        }
        for (SleevePeer p : peers) put(p);
        rebuild();
    }

    private void put(SleevePeer peer) {
        if (config.encrypted() && peer.publicKey() == null) {
            LOG.warn(
                    "sleeve peer without public key; traffic to it is dropped until its node record has one peer={}",
                    Long.toHexString(peer.peerId()));
        }
        SleevePeer old = peerSpecs.get(peer.peerId());
        PeerState oldState = peerStates.get(peer.peerId());
        PeerSessions sessions = null;
        if (config.encrypted() && peer.publicKey() != null) {
            if (old != null && oldState.sessions != null && Arrays.equals(old.publicKey(), peer.publicKey())) {
                sessions = oldState.sessions;
            } else {
                sessions = new PeerSessions(
                        config.ownPeerId(), config.crypto().privateKey(), psks, peer.peerId(), peer.publicKey());
            }
        }
        Map<Cidr, Boolean> src = new HashMap<>();
        for (Cidr c : peer.cidrs()) src.put(c, Boolean.TRUE);
        src.put(Cidr.host(peer.vtepAddress()), Boolean.TRUE);
        if (peer.vtepAddressV6() != null) src.put(Cidr.host(peer.vtepAddressV6()), Boolean.TRUE);
        PeerState st = new PeerState(
                peer,
                new InetSocketAddress(peer.underlay().toInetAddress(), config.port()),
                sessions,
                PrefixTable.of(src));
        peerSpecs.put(peer.peerId(), peer);
        peerStates.put(peer.peerId(), st);
        if (old == null) {
            LOG.info(
                    "sleeve peer added peer={} underlay={} cidrs={}",
                    Long.toHexString(peer.peerId()),
                    peer.underlay(),
                    peer.cidrs());
        } else if (!same(old, peer)) {
            LOG.info(
                    "sleeve peer updated peer={} underlay={} cidrs={}",
                    Long.toHexString(peer.peerId()),
                    peer.underlay(),
                    peer.cidrs());
        }
    }

    private static boolean same(SleevePeer a, SleevePeer b) {
        return a.underlay().equals(b.underlay())
                && a.vtepAddress().equals(b.vtepAddress())
                && java.util.Objects.equals(a.vtepAddressV6(), b.vtepAddressV6())
                && a.vtepMac().equals(b.vtepMac())
                && a.cidrs().equals(b.cidrs())
                && Arrays.equals(a.publicKey(), b.publicKey());
    }

    /** Removes a peer; returns false if unknown. */
    public synchronized boolean removePeer(long peerId) {
        if (peerSpecs.remove(peerId) == null) return false;
        peerStates.remove(peerId);
        rebuild();
        LOG.info("sleeve peer removed peer={}", Long.toHexString(peerId));
        return true;
    }

    private void rebuild() {
        Map<Cidr, PeerState> r = new HashMap<>();
        Map<InetAddress, PeerState> s = new HashMap<>();
        Map<Long, PeerState> ids = new HashMap<>();
        for (PeerState st : peerStates.values()) {
            for (Cidr c : st.peer.cidrs()) r.put(c, st);
            r.put(Cidr.host(st.peer.vtepAddress()), st);
            if (st.peer.vtepAddressV6() != null) r.put(Cidr.host(st.peer.vtepAddressV6()), st);
            s.put(st.peer.underlay().toInetAddress(), st);
            ids.put(st.peer.peerId(), st);
        }
        routes = PrefixTable.of(r);
        bySource = Map.copyOf(s);
        byId = Map.copyOf(ids);
    }

    /** An immutable snapshot for status and metrics. */
    public synchronized SleeveStatus status() {
        List<SleeveStatus.Peer> ps = new ArrayList<>();
        for (PeerState st : peerStates.values()) {
            ps.add(new SleeveStatus.Peer(
                    st.peer.peerId(),
                    st.peer.underlay().toString(),
                    st.peer.cidrs().stream().map(Cidr::toString).toList(),
                    st.sessions != null));
        }
        return new SleeveStatus(
                config.deviceName(),
                ifindex,
                config.tunMtu(),
                config.port(),
                config.encrypted(),
                config.queues(),
                gso,
                List.copyOf(ps),
                counters.snapshot());
    }

    public synchronized List<SleevePeer> peers() {
        return List.copyOf(peerSpecs.values());
    }

    public SleeveConfig config() {
        return config;
    }

    public String deviceName() {
        return config.deviceName();
    }

    public int ifindex() {
        return ifindex;
    }

    public SleeveCounters counters() {
        return counters;
    }

    /** True when large frames leave as one UDP GSO send (kernel and Netty support it). */
    public boolean udpGso() {
        return gso;
    }

    // ---- package-private accessors for the I/O roles ----

    /** A sender of TUN queue {@code q} on {@code socketFd} for the socket's event loop (used only there). */
    TxQueue loopSender(int q, int socketFd) {
        return new TxQueue(this, q, socketFd, gates[q]);
    }

    private int socketFd(int q) {
        return ((UnixChannel) channels[q]).fd().intValue();
    }

    PeerState route(int dst) {
        return routes.lookup(dst);
    }

    /** The peer owning IPv6 destination {@code hi:lo} (its high and low 64 bits), or null. */
    PeerState route6(long hi, long lo) {
        return routes.lookup6(hi, lo);
    }

    PeerState bySource(InetAddress a) {
        return bySource.get(a);
    }

    PeerState byId(long id) {
        return byId.get(id);
    }

    SleeveCounters counter() {
        return counters;
    }

    boolean running() {
        return running;
    }

    boolean gso() {
        return gso;
    }

    InstantSource clock() {
        return clock;
    }

    PeerSessions.SessionClock sessionClock() {
        return sessionClock;
    }

    TunDevice tun() {
        return tun;
    }

    /** Stops the sender threads, closes the sockets and the TUN device (which deletes it). */
    @Override
    public void close() {
        if (!running) return;
        running = false;
        for (Thread t : queueThreads) {
            if (t == null) continue;
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeChannels();
        tun.close();
        LOG.info("sleeve stopped device={}", config.deviceName());
    }

    private void closeChannels() {
        List<Channel> open = new ArrayList<>();
        for (Channel c : channels) if (c != null) open.add(c);
        for (Channel c : open) c.close().awaitUninterruptibly(2000);
    }
}
