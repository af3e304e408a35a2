package dev.weft.gossip.transport;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A network of {@link InMemoryTransport}s in one JVM, with fault injection: random datagram loss, blocked pairs
 * (partitions) and hung endpoints (their sockets "stay open" — streams to them time out, datagrams vanish).
 * Timers (stream timeouts) run on the executor given by the caller. Thread-safe.
 */
public final class InMemoryNetwork {
    final Map<InetSocketAddress, InMemoryTransport> endpoints = new ConcurrentHashMap<>();
    final ScheduledExecutorService timer;
    private final Random random;
    private volatile double loss;
    private final Set<String> blocked = ConcurrentHashMap.newKeySet();
    final Set<InetSocketAddress> hung = ConcurrentHashMap.newKeySet();

    public InMemoryNetwork(ScheduledExecutorService timer, Random random) {
        this.timer = timer;
        this.random = random;
    }

    public InMemoryTransport transport(InetSocketAddress address, int maxDatagram, int maxFrame) {
        return new InMemoryTransport(this, address, maxDatagram, maxFrame);
    }

    /** Fraction (0..1) of datagrams silently lost. */
    public void setLoss(double loss) {
        this.loss = loss;
    }

    /** Block (true) or restore traffic between two endpoints, both ways. */
    public void setBlocked(InetSocketAddress a, InetSocketAddress b, boolean block) {
        String k1 = a + "|" + b;
        String k2 = b + "|" + a;
        if (block) {
            blocked.add(k1);
            blocked.add(k2);
        } else {
            blocked.remove(k1);
            blocked.remove(k2);
        }
    }

    /** A hung endpoint keeps its address but processes nothing (what SIGSTOP looks like from outside). */
    public void setHung(InetSocketAddress a, boolean isHung) {
        if (isHung) {
            hung.add(a);
        } else {
            hung.remove(a);
        }
    }

    boolean blocked(InetSocketAddress a, InetSocketAddress b) {
        return blocked.contains(a + "|" + b);
    }

    boolean lose() {
        double l = loss;
        if (l <= 0) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < l;
        }
    }
}
