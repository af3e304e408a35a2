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
        // families by name; cumulative buckets ending in +Inf; label values escaped
        assertThat(r.scrape()).isEqualTo("""
                # HELP weft_gossip_members Members by state.
                # TYPE weft_gossip_members gauge
                weft_gossip_members{state="alive"} 2.0
                weft_gossip_members{state="dead"} 0.0
                # HELP weft_lat_seconds Latency.
                # TYPE weft_lat_seconds histogram
                weft_lat_seconds_bucket{command="ADD",le="0.01"} 1
                weft_lat_seconds_bucket{command="ADD",le="0.1"} 2
                weft_lat_seconds_bucket{command="ADD",le="+Inf"} 3
                weft_lat_seconds_count{command="ADD"} 3
                weft_lat_seconds_sum{command="ADD"} 3.055
                # HELP weft_metrics_collector_errors_total Collectors that failed during a scrape.
                # TYPE weft_metrics_collector_errors_total counter
                weft_metrics_collector_errors_total 0.0
                # HELP weft_x_total Quote " in label.
                # TYPE weft_x_total counter
                weft_x_total{reason="a\\"b"} 1.5
                """);
        assertThat(MetricsRegistry.CONTENT_TYPE).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void aFailingCollectorIsCountedNotFatal() {
        MetricsRegistry r = new MetricsRegistry();
        r.register(s -> {
            throw new IllegalStateException("boom");
        });
        r.register(s -> s.gauge("weft_ready", "Ready.", Map.of(), 1));
        assertThat(r.scrape())
                .contains("weft_metrics_collector_errors_total 1.0")
                .contains("weft_ready 1.0");
        assertThat(r.scrape())
                .as("a counter: failures add up over scrapes")
                .contains("weft_metrics_collector_errors_total 2.0");
    }

    @Test
    void samplesThatCannotBeExportedAreDroppedAndCountedWhileTheRestIsServed() {
        MetricsRegistry r = new MetricsRegistry();
        r.register(s -> {
            s.gauge("weft_ok", "Fine.", Map.of("kind", "a"), 1);
            s.counter("weft_no_suffix", "A counter without _total would be renamed.", Map.of(), 1);
            s.gauge("weft_ok", "Fine.", Map.of("kind", "a"), 2); // the same series twice
            s.counter("weft_fine_total", "Fine.", Map.of("kind", "b"), 3);
            s.counter("weft_ok", "Fine.", Map.of("kind", "c"), 3); // another type under a gauge's name
            s.gauge("weft-bad", "Invalid name.", Map.of(), 1);
            s.gauge("weft_label", "Invalid label.", Map.of("bad-label", "x"), 1);
            s.counter("weft_negative_total", "Negative.", Map.of(), -1);
            s.histogram("weft_h_seconds", "Reserved label.", Map.of("le", "1"), new Histogram(1).snapshot());
        });
        r.register(s -> s.gauge("weft_ready", "Ready.", Map.of(), 1));
        String text = r.scrape();
        assertThat(text)
                .contains("weft_ok{kind=\"a\"} 1.0")
                .contains("weft_fine_total{kind=\"b\"} 3.0")
                .contains("weft_ready 1.0")
                .doesNotContain("weft_no_suffix")
                .doesNotContain("weft-bad")
                .doesNotContain("weft_label")
                .doesNotContain("weft_negative")
                .doesNotContain("weft_h_seconds")
                .doesNotContain("kind=\"c\"")
                .as("the collector that wrote bad samples counts once per scrape")
                .contains("weft_metrics_collector_errors_total 1.0");
    }

    @Test
    void twoFamiliesOfOneNameAreServedOnceAndCounted() {
        MetricsRegistry r = new MetricsRegistry();
        r.register(s -> s.gauge("weft_clash", "A gauge.", Map.of(), 1));
        r.register(s -> s.counter("weft_clash_total", "A counter of the same base name.", Map.of(), 2));
        r.register(s -> s.counter("weft_metrics_collector_errors_total", "Reserved.", Map.of(), 7));
        String text = r.scrape();
        assertThat(text)
                .contains("weft_clash 1.0")
                .doesNotContain("weft_clash_total")
                .doesNotContain("Reserved.")
                .contains("weft_metrics_collector_errors_total 2.0");
    }

    @Test
    void jvmAndProcessFiguresAreServedBesideWeftsOwn() {
        MetricsRegistry r = new MetricsRegistry();
        r.registerJvmAndProcess();
        r.register(s -> s.gauge("weft_ready", "Ready.", Map.of(), 1));
        String text = r.scrape();
        assertThat(text)
                .contains("# TYPE jvm_memory_used_bytes gauge")
                .contains("jvm_memory_used_bytes{area=\"heap\"} ")
                .contains("# TYPE jvm_threads_current gauge")
                .contains("# TYPE jvm_gc_collection_seconds summary")
                .contains("# TYPE jvm_buffer_pool_used_bytes gauge")
                .contains("# TYPE process_cpu_seconds_total counter")
                .contains("# TYPE process_open_fds gauge")
                .contains("# TYPE process_resident_memory_bytes gauge")
                .contains("weft_ready 1.0")
                .contains("weft_metrics_collector_errors_total 0.0")
                .doesNotContain("jvm_native_memory")
                .doesNotContain("jvm_memory_pool_allocated_bytes");
        assertThat(value(text, "process_resident_memory_bytes")).isGreaterThan(1 << 20);
        assertThat(value(text, "process_open_fds")).isGreaterThan(2);
        assertThat(value(text, "jvm_threads_current")).isGreaterThanOrEqualTo(1);
        assertThat(value(text, "process_cpu_seconds_total")).isPositive();
    }

    @Test
    void jvmFiguresAreReadAtMostOnceASecondHoweverOftenTheyAreScraped() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1);
        MetricsRegistry r = new MetricsRegistry(now::get);
        r.registerJvmAndProcess();
        double cpu = value(r.scrape(), "process_cpu_seconds_total");
        burnCpu(cpu + 0.2);
        now.addAndGet(MetricsRegistry.JVM_FIGURES_MAX_AGE_NANOS - 1);
        assertThat(value(r.scrape(), "process_cpu_seconds_total"))
                .as("younger than a second: the last read")
                .isEqualTo(cpu);
        now.addAndGet(1);
        assertThat(value(r.scrape(), "process_cpu_seconds_total"))
                .as("a second old: read again")
                .isGreaterThan(cpu);
    }

    /** Spins until the process has used {@code seconds} of CPU time in all. */
    private static void burnCpu(double seconds) {
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long x = 0;
        while (os.getProcessCpuTime() / 1e9 < seconds) {
            for (int i = 0; i < 1_000_000; i++) x += i ^ (x >>> 3);
        }
        assertThat(x).isNotEqualTo(42); // keeps the loop
    }

    private static double value(String text, String sample) {
        return text.lines()
                .filter(l -> l.startsWith(sample + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + sample));
    }
}
