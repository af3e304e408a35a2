package dev.weft.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {
    @Test
    void rendersPrometheusTextWithOneHelpPerFamily() {
        MetricsRegistry r = new MetricsRegistry();
        Histogram h = new Histogram(0.01, 0.1);
        h.observe(0.005);
        h.observe(0.05);
        h.observe(3);
        r.register(s -> {
            s.gauge("weft_gossip_members", "Members by state.", Map.of("state", "alive"), 2);
            s.gauge("weft_gossip_members", "Members by state.", Map.of("state", "dead"), 0);
            s.counter("weft_x_total", "Quote \" in label.", Map.of("reason", "a\"b"), 1.5);
            s.histogram("weft_lat_seconds", "Latency.", Map.of("command", "ADD"), h.snapshot());
        });
        assertThat(r.scrape()).isEqualTo("""
                # HELP weft_gossip_members Members by state.
                # TYPE weft_gossip_members gauge
                weft_gossip_members{state="alive"} 2
                weft_gossip_members{state="dead"} 0
                # HELP weft_x_total Quote " in label.
                # TYPE weft_x_total counter
                weft_x_total{reason="a\\"b"} 1.5
                # HELP weft_lat_seconds Latency.
                # TYPE weft_lat_seconds histogram
                weft_lat_seconds_bucket{command="ADD",le="0.01"} 1
                weft_lat_seconds_bucket{command="ADD",le="0.1"} 2
                weft_lat_seconds_bucket{command="ADD",le="+Inf"} 3
                weft_lat_seconds_sum{command="ADD"} 3.055
                weft_lat_seconds_count{command="ADD"} 3
                """);
    }

    @Test
    void aFailingCollectorIsCountedNotFatal() {
        MetricsRegistry r = new MetricsRegistry();
        r.register(s -> {
            throw new IllegalStateException("boom");
        });
        r.register(s -> s.gauge("weft_ready", "Ready.", Map.of(), 1));
        assertThat(r.scrape()).contains("weft_metrics_collector_errors_total 1").contains("weft_ready 1");
    }
}
