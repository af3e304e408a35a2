package dev.weft.agent.metrics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.util.Map;

/**
 * Netty's share of the agent's memory (issue 17: direct memory and Netty's allocator sized on purpose): what Netty's
 * default buffer allocator holds (the gossip transport's and the sleeve's buffers), and the direct memory Netty has
 * allocated. The JVM's {@code jvm_buffer_pool_used_bytes{pool="direct"}} is every direct buffer of the process
 * (Netty's too, when Netty allocates through the JDK as it does on JDK 25 here); these say how much of it is Netty's.
 * Both are counters Netty keeps anyway; reading them takes no lock on the I/O threads.
 */
public final class NettyFigures implements MetricsRegistry.Collector {
    @Override
    public void collect(MetricsRegistry.Sink sink) {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            String help = "Memory Netty's default buffer allocator holds (its arenas or chunks, in use or cached), by "
                    + "kind (direct, heap): the gossip transport's and the sleeve's buffers.";
            sink.gauge(
                    "weft_netty_allocator_bytes",
                    help,
                    Map.of("kind", "direct"),
                    p.metric().usedDirectMemory());
            sink.gauge(
                    "weft_netty_allocator_bytes",
                    help,
                    Map.of("kind", "heap"),
                    p.metric().usedHeapMemory());
        }
        long direct = PlatformDependent.usedDirectMemory(); // -1: Netty keeps no count in this configuration
        if (direct >= 0) {
            sink.gauge(
                    "weft_netty_direct_memory_bytes",
                    "Direct memory Netty has allocated (part of jvm_buffer_pool_used_bytes{pool=\"direct\"} when Netty "
                            + "allocates through the JDK), of at most -XX:MaxDirectMemorySize.",
                    Map.of(),
                    direct);
        }
    }
}
