package dev.weft.gossip;

import dev.weft.gossip.identity.IdentityKey;
import dev.weft.gossip.identity.PeerKeys;
import dev.weft.gossip.swim.SwimSettings;
import dev.weft.id.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable, validated configuration of one gossip node. Build with {@link #builder(String, PeerId)}.
 *
 * <p>Defaults: port 6770 (UDP + TCP), bind 0.0.0.0, no secret (packets authenticated with a key derived from
 * the cluster name only), UDP payload cap 1400 bytes, TCP frame cap 8 MiB, stream timeout 3 s (connect
 * included), messages up to 64 KiB, records up to 1024 bytes, clock skew tolerance 5 min, tick 10 ms, seeds
 * retried every 10 s while no other member is known, and the protocol timing of {@link SwimSettings#defaults()}.
 */
public final class GossipConfig {
    public static final int DEFAULT_PORT = 6770;

    private final String clusterName;
    private final PeerId memberId;
    private final long incarnation;
    private final InetSocketAddress bindAddress;
    private final InetSocketAddress advertiseAddress;
    private final List<InetSocketAddress> seeds;
    private final List<byte[]> secrets;
    private final SwimSettings swim;
    private final int maxStreamFrameBytes;
    private final Duration streamTimeout;
    private final int maxMessageBytes;
    private final int maxInboundStreams;
    private final int maxInboundStreamsPerSource;
    private final Duration maxClockSkew;
    private final Duration tickInterval;
    private final Duration rejoinInterval;
    private final IdentityKey identityKey;
    private final Map<PeerId, byte[]> pinnedKeys;
    private final boolean refuseLegacyIds;

    private GossipConfig(Builder b) {
        this.identityKey = b.identityKey;
        this.pinnedKeys = Map.copyOf(b.pinnedKeys);
        this.refuseLegacyIds = b.refuseLegacyIds;
        this.clusterName = b.clusterName;
        this.memberId = b.memberId;
        this.incarnation = b.incarnation;
        this.bindAddress = b.bindAddress;
        this.advertiseAddress = b.advertiseAddress;
        this.seeds = List.copyOf(b.seeds);
        this.secrets = b.secrets.stream().map(byte[]::clone).toList();
        this.swim = b.swim;
        this.maxStreamFrameBytes = b.maxStreamFrameBytes;
        this.streamTimeout = b.streamTimeout;
        this.maxMessageBytes = b.maxMessageBytes;
        this.maxInboundStreams = b.maxInboundStreams;
        this.maxInboundStreamsPerSource = b.maxInboundStreamsPerSource;
        this.maxClockSkew = b.maxClockSkew;
        this.tickInterval = b.tickInterval;
        this.rejoinInterval = b.rejoinInterval;
    }

    /** @param memberId this member's peer id (carried on the wire as its 16 hex digits) */
    public static Builder builder(String clusterName, PeerId memberId) {
        return new Builder(clusterName, memberId);
    }

    public String clusterName() {
        return clusterName;
    }

    public PeerId memberId() {
        return memberId;
    }

    /** Starting incarnation (the agent bumps it on every start); gossip only ever raises it from there. */
    public long incarnation() {
        return incarnation;
    }

    public InetSocketAddress bindAddress() {
        return bindAddress;
    }

    /** Address other members use to reach us; null means "the bound address" (valid only for a concrete bind). */
    public InetSocketAddress advertiseAddress() {
        return advertiseAddress;
    }

    public List<InetSocketAddress> seeds() {
        return seeds;
    }

    /** Cluster secrets, primary first (copies). Empty: no encryption, cluster-name binding only. */
    public List<byte[]> secrets() {
        return secrets.stream().map(byte[]::clone).toList();
    }

    public SwimSettings swim() {
        return swim;
    }

    public int maxUdpPayload() {
        return swim.maxUdpPayload();
    }

    public int maxStreamFrameBytes() {
        return maxStreamFrameBytes;
    }

    public Duration streamTimeout() {
        return streamTimeout;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Inbound TCP streams open at once, all sources together (more are closed at accept). */
    public int maxInboundStreams() {
        return maxInboundStreams;
    }

    /** Inbound TCP streams open at once from one source address (more are closed at accept). */
    public int maxInboundStreamsPerSource() {
        return maxInboundStreamsPerSource;
    }

    public Duration maxClockSkew() {
        return maxClockSkew;
    }

    public Duration tickInterval() {
        return tickInterval;
    }

    public Duration rejoinInterval() {
        return rejoinInterval;
    }

    /**
     * This member's Ed25519 identity key, or null: then {@link GossipNode} draws a fresh one per start and keeps
     * {@link #memberId()} as a legacy id (tests). The agent passes the key from its state directory.
     */
    public IdentityKey identityKey() {
        return identityKey;
    }

    /** Legacy ids' keys pinned at earlier starts (id to 32-byte public key); see {@link PeerKeys}. */
    public Map<PeerId, byte[]> pinnedKeys() {
        return pinnedKeys;
    }

    /** Refuse members and deltas whose id is not derived from their key; see {@link PeerKeys}. Default false. */
    public boolean refuseLegacyIds() {
        return refuseLegacyIds;
    }

    public static final class Builder {
        private IdentityKey identityKey;
        private Map<PeerId, byte[]> pinnedKeys = Map.of();
        private boolean refuseLegacyIds;
        private final String clusterName;
        private final PeerId memberId;
        private long incarnation = 1;
        private InetSocketAddress bindAddress = new InetSocketAddress(DEFAULT_PORT);
        private InetSocketAddress advertiseAddress;
        private List<InetSocketAddress> seeds = List.of();
        private List<byte[]> secrets = List.of();
        private SwimSettings swim = SwimSettings.defaults();
        private int maxStreamFrameBytes = 8 << 20;
        private Duration streamTimeout = Duration.ofSeconds(3);
        private int maxMessageBytes = 64 << 10;
        private int maxInboundStreams = 64;
        private int maxInboundStreamsPerSource = 8;
        private Duration maxClockSkew = Duration.ofMinutes(5);
        private Duration tickInterval = Duration.ofMillis(10);
        private Duration rejoinInterval = Duration.ofSeconds(10);

        private Builder(String clusterName, PeerId memberId) {
            this.clusterName = clusterName;
            this.memberId = memberId;
        }

        public Builder incarnation(long v) {
            incarnation = v;
            return this;
        }

        public Builder bind(InetAddress address, int port) {
            bindAddress = new InetSocketAddress(address, port);
            return this;
        }

        public Builder bindAddress(InetSocketAddress v) {
            bindAddress = v;
            return this;
        }

        public Builder advertiseAddress(InetSocketAddress v) {
            advertiseAddress = v;
            return this;
        }

        public Builder seeds(List<InetSocketAddress> v) {
            seeds = new ArrayList<>(v);
            return this;
        }

        /** Secrets, the first one primary; each at least 16 bytes. */
        public Builder secrets(List<byte[]> v) {
            secrets = new ArrayList<>(v);
            return this;
        }

        public Builder swim(SwimSettings v) {
            swim = v;
            return this;
        }

        public Builder maxStreamFrameBytes(int v) {
            maxStreamFrameBytes = v;
            return this;
        }

        public Builder streamTimeout(Duration v) {
            streamTimeout = v;
            return this;
        }

        public Builder maxInboundStreams(int v) {
            maxInboundStreams = v;
            return this;
        }

        public Builder maxInboundStreamsPerSource(int v) {
            maxInboundStreamsPerSource = v;
            return this;
        }

        public Builder maxMessageBytes(int v) {
            maxMessageBytes = v;
            return this;
        }

        public Builder maxClockSkew(Duration v) {
            maxClockSkew = v;
            return this;
        }

        public Builder tickInterval(Duration v) {
            tickInterval = v;
            return this;
        }

        public Builder identityKey(IdentityKey v) {
            identityKey = v;
            return this;
        }

        public Builder pinnedKeys(Map<PeerId, byte[]> v) {
            pinnedKeys = v;
            return this;
        }

        public Builder refuseLegacyIds(boolean v) {
            refuseLegacyIds = v;
            return this;
        }

        public Builder rejoinInterval(Duration v) {
            rejoinInterval = v;
            return this;
        }

        /** @throws IllegalArgumentException naming the offending option */
        public GossipConfig build() {
            if (clusterName == null || clusterName.isBlank() || clusterName.length() > 253) {
                throw new IllegalArgumentException("clusterName must be 1-253 characters");
            }
            if (memberId == null) {
                throw new IllegalArgumentException("memberId (the peer id) is required");
            }
            if (incarnation < 0) {
                throw new IllegalArgumentException("incarnation must be >= 0");
            }
            if (refuseLegacyIds
                    && identityKey != null
                    && !identityKey.derivedId().equals(memberId)) {
                throw new IllegalArgumentException("memberId " + memberId + " is a legacy id (not derived from the"
                        + " identity key) while legacy ids are refused");
            }
            for (var e : pinnedKeys.entrySet()) {
                if (e.getValue().length != IdentityKey.KEY_BYTES) {
                    throw new IllegalArgumentException("pinned key of " + e.getKey() + " is " + e.getValue().length
                            + " bytes, an Ed25519 public key is " + IdentityKey.KEY_BYTES);
                }
            }
            Objects.requireNonNull(bindAddress, "bindAddress");
            if (advertiseAddress == null && bindAddress.getAddress().isAnyLocalAddress()) {
                throw new IllegalArgumentException("advertiseAddress is required when binding to the wildcard address "
                        + bindAddress.getAddress().getHostAddress() + " (other members need a routable address)");
            }
            if (advertiseAddress != null
                    && (advertiseAddress.isUnresolved()
                            || advertiseAddress.getAddress().isAnyLocalAddress()
                            || advertiseAddress.getPort() == 0)) {
                throw new IllegalArgumentException(
                        "advertiseAddress must be a concrete IP and port, got " + advertiseAddress);
            }
            for (byte[] s : secrets) {
                if (s.length < 16) {
                    throw new IllegalArgumentException("each secret needs at least 16 bytes, got " + s.length);
                }
            }
            if (maxStreamFrameBytes < 64 << 10 || maxStreamFrameBytes > 256 << 20) {
                throw new IllegalArgumentException("maxStreamFrameBytes must be 64 KiB..256 MiB");
            }
            if (maxMessageBytes < 1 || maxMessageBytes > maxStreamFrameBytes - 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be 1..maxStreamFrameBytes-1024");
            }
            if (swim.maxDeltaBytes() > maxStreamFrameBytes - 1024) {
                throw new IllegalArgumentException("swim.maxDeltaBytes (" + swim.maxDeltaBytes()
                        + ") must be at most maxStreamFrameBytes-1024 (" + (maxStreamFrameBytes - 1024) + ")");
            }
            if (maxInboundStreams < 1 || maxInboundStreams > 65_536) {
                throw new IllegalArgumentException("maxInboundStreams must be 1..65536, got " + maxInboundStreams);
            }
            if (maxInboundStreamsPerSource < 1 || maxInboundStreamsPerSource > maxInboundStreams) {
                throw new IllegalArgumentException("maxInboundStreamsPerSource must be 1..maxInboundStreams ("
                        + maxInboundStreams + "), got " + maxInboundStreamsPerSource);
            }
            positive(streamTimeout, "streamTimeout");
            positive(maxClockSkew, "maxClockSkew");
            positive(tickInterval, "tickInterval");
            positive(rejoinInterval, "rejoinInterval");
            if (tickInterval.compareTo(swim.probeTimeout()) >= 0) {
                throw new IllegalArgumentException("tickInterval must be shorter than probeTimeout");
            }
            return new GossipConfig(this);
        }

        private static void positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }
}
