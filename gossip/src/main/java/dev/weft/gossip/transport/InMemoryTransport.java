package dev.weft.gossip.transport;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One endpoint of an {@link InMemoryNetwork}. Delivery happens on the sender's thread (receivers hop). */
public final class InMemoryTransport implements Transport {
    private final InMemoryNetwork net;
    private final InetSocketAddress address;
    private final int maxDatagram;
    private final int maxFrame;
    private volatile Receiver receiver;

    InMemoryTransport(InMemoryNetwork net, InetSocketAddress address, int maxDatagram, int maxFrame) {
        this.net = net;
        this.address = address;
        this.maxDatagram = maxDatagram;
        this.maxFrame = maxFrame;
    }

    @Override
    public CompletableFuture<Void> start(Receiver r) {
        if (net.endpoints.putIfAbsent(address, this) != null) {
            return CompletableFuture.failedFuture(new java.net.BindException("address in use: " + address));
        }
        this.receiver = r;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void sendDatagram(InetSocketAddress to, byte[] data) {
        if (data.length > maxDatagram || net.hung.contains(address) || net.lose() || net.blocked(address, to)) {
            return;
        }
        InMemoryTransport t = net.endpoints.get(to);
        if (t != null && t.receiver != null && !net.hung.contains(to)) {
            t.receiver.onDatagram(address, data.clone());
        }
    }

    @Override
    public CompletableFuture<byte[]> exchange(InetSocketAddress to, byte[] request, Duration timeout) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        net.timer.schedule(
                () -> result.completeExceptionally(new TimeoutException("no reply from " + to + " within " + timeout)),
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
        InMemoryTransport t = net.endpoints.get(to);
        if (request.length > maxFrame) {
            result.completeExceptionally(new IllegalArgumentException("frame too large"));
        } else if (t == null || t.receiver == null) {
            result.completeExceptionally(new ConnectException("connection refused: " + to));
        } else if (!net.blocked(address, to) && !net.hung.contains(to)) {
            t.receiver.onStream(address, request.clone()).whenComplete((reply, err) -> {
                if (err != null || reply == null) {
                    result.completeExceptionally(err != null ? err : new ConnectException("closed without reply"));
                } else if (!net.hung.contains(address)) {
                    result.complete(reply);
                }
            });
        }
        return result;
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public CompletableFuture<Void> close() {
        net.endpoints.remove(address, this);
        return CompletableFuture.completedFuture(null);
    }
}
