package dev.weft.agent.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the samples Weft's collectors write during one scrape into the Prometheus client's snapshots, one per family.
 * The first sample of a family fixes its type and help. A sample that cannot be exported (an invalid name or label,
 * a counter whose name does not end in {@code _total}, a second sample of the same series, a family written with
 * another type, a negative counter) is dropped and counted in {@link #rejected()}, so one bad sample never costs the
 * rest of the scrape. Not thread-safe: one sink per scrape.
 */
final class SnapshotSink implements MetricsRegistry.Sink {
    private static final String TOTAL = "_total";

    private enum Type {
        GAUGE,
        COUNTER,
        HISTOGRAM
    }

    private record Family(Type type, String help, Map<Labels, Object> points) {}

    private final Map<String, Family> families = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    @Override
    public void gauge(String name, String help, Map<String, String> labels, double value) {
        add(name, Type.GAUGE, help, labels, value);
    }

    /** {@code name} ends in {@code _total} (the client writes the suffix itself; without it the name would change). */
    @Override
    public void counter(String name, String help, Map<String, String> labels, double value) {
        if (!name.endsWith(TOTAL)) {
            problems.add("counter " + name + " does not end in _total");
            return;
        }
        if (!(value >= 0)) {
            problems.add("counter " + name + labels + " is " + value);
            return;
        }
        add(name, Type.COUNTER, help, labels, value);
    }

    @Override
    public void histogram(String name, String help, Map<String, String> labels, Histogram.Snapshot h) {
        if (labels.containsKey("le")) {
            problems.add("histogram " + name + " has a label named le");
            return;
        }
        add(name, Type.HISTOGRAM, help, labels, h);
    }

    private void add(String name, Type type, String help, Map<String, String> labels, Object value) {
        Family f = families.get(name);
        if (f == null) {
            if (!PrometheusNaming.isValidLegacyMetricName(name)) {
                problems.add("invalid metric name " + name);
                return;
            }
            f = new Family(type, help, new LinkedHashMap<>());
            families.put(name, f);
        } else if (f.type != type) {
            problems.add(name + " written as " + type + " after " + f.type);
            return;
        }
        Labels l;
        try {
            l = labels(labels);
        } catch (IllegalArgumentException e) {
            problems.add(name + labels + ": " + e.getMessage());
            return;
        }
        if (f.points.putIfAbsent(l, value) != null) problems.add(name + labels + " written twice");
    }

    private static Labels labels(Map<String, String> labels) {
        if (labels.isEmpty()) return Labels.EMPTY;
        Labels.Builder b = Labels.builder();
        labels.forEach((k, v) -> {
            if (!PrometheusNaming.isValidLegacyLabelName(k)) throw new IllegalArgumentException("invalid label " + k);
            b.label(k, v);
        });
        return b.build();
    }

    /** Why samples were dropped during this scrape (empty when none were). */
    List<String> rejected() {
        return problems;
    }

    /** One snapshot per family that has samples; a family the client refuses is left out and counted. */
    List<MetricSnapshot> snapshots() {
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        families.forEach((name, f) -> {
            try {
                out.add(
                        switch (f.type) {
                            case GAUGE -> gauge(name, f);
                            case COUNTER -> counter(name, f);
                            case HISTOGRAM -> histogram(name, f);
                        });
            } catch (IllegalArgumentException e) {
                problems.add(name + ": " + e.getMessage());
            }
        });
        return out;
    }

    private static MetricSnapshot gauge(String name, Family f) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
        f.points.forEach((l, v) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(l)
                .value((Double) v)
                .build()));
        return b.build();
    }

    private static MetricSnapshot counter(String name, Family f) {
        CounterSnapshot.Builder b = CounterSnapshot.builder()
                .name(name.substring(0, name.length() - TOTAL.length()))
                .help(f.help);
        f.points.forEach((l, v) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(l)
                .value((Double) v)
                .build()));
        return b.build();
    }

    private static MetricSnapshot histogram(String name, Family f) {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(f.help);
        f.points.forEach((l, v) -> {
            Histogram.Snapshot h = (Histogram.Snapshot) v;
            double[] bounds = Arrays.copyOf(h.bounds(), h.bounds().length + 1);
            bounds[bounds.length - 1] = Double.POSITIVE_INFINITY; // Histogram's last count is the +Inf bucket
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(l)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, h.counts()))
                    .sum(h.sum())
                    .build());
        });
        return b.build();
    }
}
