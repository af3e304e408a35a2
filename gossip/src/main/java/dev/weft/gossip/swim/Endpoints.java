package dev.weft.gossip.swim;

import com.google.protobuf.ByteString;
import dev.weft.gossip.wire.proto.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Conversion between socket addresses and the wire's Endpoint. */
public final class Endpoints {
    private Endpoints() {}

    public static Endpoint toWire(InetSocketAddress a) {
        return Endpoint.newBuilder()
                .setIp(ByteString.copyFrom(a.getAddress().getAddress()))
                .setPort(a.getPort())
                .build();
    }

    /** The address, or null if the endpoint is not a valid unicast IPv4/IPv6 address and port. */
    public static InetSocketAddress fromWire(Endpoint e) {
        int len = e.getIp().size();
        if ((len != 4 && len != 16) || e.getPort() < 1 || e.getPort() > 65535) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(e.getIp().toByteArray()), e.getPort());
        } catch (UnknownHostException ex) {
            return null;
        }
    }
}
