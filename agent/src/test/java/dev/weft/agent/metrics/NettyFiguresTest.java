package dev.weft.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class NettyFiguresTest {
    private static double sample(String text, String series) {
        return text.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + series + " in\n" + text));
    }

    @Test
    void theDefaultAllocatorsDirectMemoryShowsWhatNettyHolds() {
        MetricsRegistry r = new MetricsRegistry();
        r.register(new NettyFigures());
        String series = "weft_netty_allocator_bytes{kind=\"direct\"}";
        double before = sample(r.scrape(), series);
        ByteBuf held = ByteBufAllocator.DEFAULT.directBuffer(8 << 20, 8 << 20);
        try {
            held.writeZero(8 << 20);
            String text = r.scrape();
            assertThat(sample(text, series)).isGreaterThanOrEqualTo(before + (8 << 20));
            assertThat(text)
                    .contains("# TYPE weft_netty_allocator_bytes gauge")
                    .contains("weft_netty_allocator_bytes{kind=\"heap\"} ");
        } finally {
            held.release();
        }
    }
}
