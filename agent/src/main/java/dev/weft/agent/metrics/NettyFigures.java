package dev.weft.agent.metrics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.util.Map;

/**
 * Netty's memory, which the JVM's figures do not show (issue 17: direct memory and Netty's allocator sized on
 * purpose): what Netty's default buffer allocator holds (the gossip transport's and the sleeve's buffers), and the
 * direct memory Netty allocated itself, outside the JDK's direct buffer accounting ({@code jvm_buffer_pool_*}).
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
        long direct = PlatformDependent.usedDirectMemory(); // -1: Netty does not count (it uses the JDK's buffers)
        if (direct >= 0) {
            sink.gauge(
                    "weft_netty_direct_memory_bytes",
                    "Direct memory Netty allocated itself (not in jvm_buffer_pool_used_bytes), of at most "
                            + "-XX:MaxDirectMemorySize.",
                    Map.of(),
                    direct);
        }
    }
}
