package dev.weft.datapath.netlink;

import java.net.InetAddress;

/**
 * A route ({@code ip route}). {@code destination} null with prefix 0 = default route;
 * {@code gateway}, {@code preferredSource} may be null; {@code outputIndex} 0 = none;
 * {@code flags} carries {@link Rtnl#RTNH_F_ONLINK}. Build with {@link #builder()}.
 */
public record Route(
        int family,
        InetAddress destination,
        int prefixLength,
        InetAddress gateway,
        int outputIndex,
        int table,
        int protocol,
        int scope,
        int type,
        int flags,
        int priority,
        InetAddress preferredSource) {

    public boolean onlink() {
        return (flags & Rtnl.RTNH_F_ONLINK) != 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.family = family;
        b.destination = destination;
        b.prefixLength = prefixLength;
        b.gateway = gateway;
        b.outputIndex = outputIndex;
        b.table = table;
        b.protocol = protocol;
        b.scope = scope;
        b.type = type;
        b.flags = flags;
        b.priority = priority;
        b.preferredSource = preferredSource;
        return b;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(destination == null ? "default" : destination.getHostAddress() + "/" + prefixLength);
        if (gateway != null) s.append(" via ").append(gateway.getHostAddress());
        if (outputIndex != 0) s.append(" dev ").append(outputIndex);
        if (onlink()) s.append(" onlink");
        if (table != Rtnl.RT_TABLE_MAIN) s.append(" table ").append(table);
        s.append(" proto ").append(protocol);
        if (scope != Rtnl.RT_SCOPE_UNIVERSE) s.append(" scope ").append(scope);
        if (priority != 0) s.append(" metric ").append(priority);
        return s.toString();
    }

    /** Defaults: main table, protocol static, scope universe, unicast. */
    public static final class Builder {
        private int family = -1;
        private InetAddress destination;
        private int prefixLength;
        private InetAddress gateway;
        private int outputIndex;
        private int table = Rtnl.RT_TABLE_MAIN;
        private int protocol = Rtnl.RTPROT_STATIC;
        private int scope = Rtnl.RT_SCOPE_UNIVERSE;
        private int type = Rtnl.RTN_UNICAST;
        private int flags;
        private int priority;
        private InetAddress preferredSource;

        public Builder destination(InetAddress address, int prefix) {
            this.destination = address;
            this.prefixLength = prefix;
            return this;
        }

        /** The default route of the given family. */
        public Builder defaultRoute(int family) {
            this.family = family;
            this.destination = null;
            this.prefixLength = 0;
            return this;
        }

        public Builder gateway(InetAddress value) {
            this.gateway = value;
            return this;
        }

        public Builder outputIndex(int value) {
            this.outputIndex = value;
            return this;
        }

        public Builder table(int value) {
            this.table = value;
            return this;
        }

        public Builder protocol(int value) {
            this.protocol = value;
            return this;
        }

        public Builder scope(int value) {
            this.scope = value;
            return this;
        }

        public Builder type(int value) {
            this.type = value;
            return this;
        }

        public Builder onlink(boolean value) {
            this.flags = value ? (flags | Rtnl.RTNH_F_ONLINK) : (flags & ~Rtnl.RTNH_F_ONLINK);
            return this;
        }

        public Builder priority(int value) {
            this.priority = value;
            return this;
        }

        public Builder preferredSource(InetAddress value) {
            this.preferredSource = value;
            return this;
        }

        public Route build() {
            int fam = family;
            if (fam < 0) {
                InetAddress any = destination != null ? destination : gateway;
                if (any == null) {
                    throw new IllegalArgumentException("route needs a destination, a gateway or defaultRoute(family)");
                }
                fam = Address.familyOf(any);
            }
            int max = fam == Rtnl.AF_INET ? 32 : 128;
            if (prefixLength < 0 || prefixLength > max) {
                throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + max);
            }
            return new Route(
                    fam,
                    destination,
                    prefixLength,
                    gateway,
                    outputIndex,
                    table,
                    protocol,
                    scope,
                    type,
                    flags,
                    priority,
                    preferredSource);
        }
    }
}
