package dev.weft.agent.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code /metrics} serves: Weft's own figures and, once {@link #registerJvmAndProcess()} ran, the JVM's and the
 * process's ({@link JvmFigures}), in the Prometheus text format (0.0.4) written by the Prometheus Java client.
 *
 * <p>Weft's figures are produced at scrape time by {@link Collector}s that read the roles' immutable status snapshots
 * and counters (STYLE habit 12), so nothing is double-booked and a scrape never waits on the agent's loops; the
 * client turns them into its snapshots ({@link SnapshotSink}) and text. A collector that throws, or writes a sample
 * that cannot be exported, loses only its own samples and is counted in {@code weft_metrics_collector_errors_total}
 * (the first time with a WARN line saying which and why). The JVM and process figures are read at most once a second
 * ({@link #JVM_FIGURES_MAX_AGE_NANOS}). Thread-safe: scrapes may run concurrently.
 */
public final class MetricsRegistry {
    private static final Logger log = LoggerFactory.getLogger(MetricsRegistry.class);

    /** The {@code Content-Type} of {@link #scrape()}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private static final String ERRORS_BASE = "weft_metrics_collector_errors";
    private static final String ERRORS_HELP = "Collectors that failed during a scrape.";

    /** Writes the current samples of some metrics. Called on the scraping thread; must only read snapshots. */
    @FunctionalInterface
    public interface Collector {
        void collect(Sink sink);
    }

    /**
     * Receives samples; the samples of one name form a family (its type and help from the first); counter names end
     * in {@code _total}; a series (name and labels) is written once per scrape.
     */
    public interface Sink {
        void gauge(String name, String help, Map<String, String> labels, double value);

        void counter(String name, String help, Map<String, String> labels, double value);

        void histogram(String name, String help, Map<String, String> labels, Histogram.Snapshot h);
    }

    /**
     * The JVM and process figures are read at most this often; scrapes in between get the same values. Bounds what a
     * flood of scrapes costs (each read walks the MXBeans and {@code /proc}, and the deadlock check is a safepoint).
     */
    static final long JVM_FIGURES_MAX_AGE_NANOS = 1_000_000_000L;

    private record JvmRead(long at, List<MetricSnapshot> snapshots) {}

    private final List<Collector> collectors = new CopyOnWriteArrayList<>();
    private final List<PrometheusRegistry> jvm = new CopyOnWriteArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder()
            .setIncludeCreatedTimestamps(false)
            .build();
    private final LongSupplier nanoClock;
    private final Object jvmLock = new Object();
    private volatile JvmRead lastJvmRead;

    public MetricsRegistry() {
        this(System::nanoTime);
    }

    /** With another clock for the JVM figures' age (tests). */
    MetricsRegistry(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    public void register(Collector c) {
        collectors.add(c);
    }

    /**
     * Adds the JVM's and the process's figures (memory, GC, threads, classes, JIT, CPU, open files, resident
     * memory). If the client cannot set them up (e.g. its own configuration, {@code PROMETHEUS_CONFIG}, cannot be
     * read), logs why and serves Weft's figures without them.
     */
    public void registerJvmAndProcess() {
        jvm.addAll(JvmFigures.registries());
    }

    /** The Prometheus text of every figure, built now. */
    public String scrape() {
        SnapshotSink sink = new SnapshotSink();
        for (Collector c : collectors) {
            int before = sink.rejected().size();
            try {
                c.collect(sink);
            } catch (RuntimeException e) {
                failed("a collector threw " + e);
                continue;
            }
            if (sink.rejected().size() > before) failed(sink.rejected().get(before));
        }
        int beforeBuild = sink.rejected().size();
        List<MetricSnapshot> all = new ArrayList<>(sink.snapshots());
        if (sink.rejected().size() > beforeBuild) failed(sink.rejected().get(beforeBuild));
        all.addAll(jvmFigures());
        List<MetricSnapshot> out = unique(all);
        out.add(CounterSnapshot.builder()
                .name(ERRORS_BASE)
                .help(ERRORS_HELP)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .value(errors.get())
                        .build())
                .build());
        return write(out);
    }

    /** The JVM and process figures: read now, unless the last read is younger than {@link #JVM_FIGURES_MAX_AGE_NANOS}. */
    private List<MetricSnapshot> jvmFigures() {
        if (jvm.isEmpty()) return List.of();
        JvmRead last = lastJvmRead;
        if (last != null && nanoClock.getAsLong() - last.at() < JVM_FIGURES_MAX_AGE_NANOS) return last.snapshots();
        synchronized (jvmLock) { // concurrent scrapes: one reads, the others take its result
            last = lastJvmRead;
            long now = nanoClock.getAsLong();
            if (last != null && now - last.at() < JVM_FIGURES_MAX_AGE_NANOS) return last.snapshots();
            List<MetricSnapshot> read = new ArrayList<>();
            for (PrometheusRegistry r : jvm) {
                try {
                    r.scrape().forEach(read::add);
                } catch (RuntimeException e) {
                    failed("JVM or process figures: " + e);
                }
            }
            lastJvmRead = new JvmRead(now, List.copyOf(read));
            return read;
        }
    }

    /**
     * The families without a second one of the same name (a counter {@code x_total} and a gauge {@code x} share the
     * name {@code x}); the collectors' own error counter is reserved for this registry.
     */
    private List<MetricSnapshot> unique(List<MetricSnapshot> all) {
        Set<String> names = new HashSet<>(Set.of(ERRORS_BASE));
        List<MetricSnapshot> out = new ArrayList<>(all.size() + 1);
        for (MetricSnapshot s : all) {
            if (names.add(s.getMetadata().getPrometheusName())) {
                out.add(s);
            } else {
                failed("two families named " + s.getMetadata().getPrometheusName());
            }
        }
        return out;
    }

    private String write(List<MetricSnapshot> snapshots) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
        try {
            writer.write(out, new MetricSnapshots(snapshots));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private void failed(String why) {
        errors.incrementAndGet();
        if (warned.compareAndSet(false, true)) {
            log.atWarn()
                    .addKeyValue("why", why)
                    .log("a metrics collector failed: /metrics leaves its samples out and counts each failure in "
                            + "weft_metrics_collector_errors_total (logged once, later ones at DEBUG)");
        } else {
            log.atDebug().addKeyValue("why", why).log("a metrics collector failed");
        }
    }
}
