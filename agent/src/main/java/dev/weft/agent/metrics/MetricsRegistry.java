package dev.weft.agent.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Prometheus text exposition (format 0.0.4). Metrics are produced at scrape time by {@link Collector}s that
 * read the roles' immutable status snapshots and counters (STYLE habit 12), so nothing is double-booked.
 */
public final class MetricsRegistry {

    /** Writes the current samples of some metrics. Called on the scraping thread; must only read snapshots. */
    @FunctionalInterface
    public interface Collector {
        void collect(Sink sink);
    }

    /** Receives samples; families with the same name are merged and printed once with HELP/TYPE. */
    public interface Sink {
        void gauge(String name, String help, Map<String, String> labels, double value);

        void counter(String name, String help, Map<String, String> labels, double value);

        void histogram(String name, String help, Map<String, String> labels, Histogram.Snapshot h);
    }

    private final List<Collector> collectors = new CopyOnWriteArrayList<>();

    public void register(Collector c) {
        collectors.add(c);
    }

    public String scrape() {
        Families f = new Families();
        for (Collector c : collectors) {
            try {
                c.collect(f);
            } catch (RuntimeException e) {
                f.counter(
                        "weft_metrics_collector_errors_total", "Collectors that failed during a scrape.", Map.of(), 1);
            }
        }
        return f.render();
    }

    private static final class Families implements Sink {
        private record Family(String type, String help, List<String> lines) {}

        private final Map<String, Family> families = new LinkedHashMap<>();

        private Family family(String name, String type, String help) {
            return families.computeIfAbsent(name, n -> new Family(type, help, new ArrayList<>()));
        }

        @Override
        public void gauge(String name, String help, Map<String, String> labels, double value) {
            family(name, "gauge", help).lines.add(name + labels(labels, null, null) + " " + num(value));
        }

        @Override
        public void counter(String name, String help, Map<String, String> labels, double value) {
            family(name, "counter", help).lines.add(name + labels(labels, null, null) + " " + num(value));
        }

        @Override
        public void histogram(String name, String help, Map<String, String> labels, Histogram.Snapshot h) {
            List<String> l = family(name, "histogram", help).lines;
            long cumulative = 0;
            for (int i = 0; i < h.bounds().length; i++) {
                cumulative += h.counts()[i];
                l.add(name + "_bucket" + labels(labels, "le", num(h.bounds()[i])) + " " + cumulative);
            }
            cumulative += h.counts()[h.bounds().length];
            l.add(name + "_bucket" + labels(labels, "le", "+Inf") + " " + cumulative);
            l.add(name + "_sum" + labels(labels, null, null) + " " + num(h.sum()));
            l.add(name + "_count" + labels(labels, null, null) + " " + cumulative);
        }

        String render() {
            StringBuilder sb = new StringBuilder(4096);
            families.forEach((name, f) -> {
                sb.append("# HELP ")
                        .append(name)
                        .append(' ')
                        .append(f.help.replace("\\", "\\\\").replace("\n", "\\n"))
                        .append('\n');
                sb.append("# TYPE ").append(name).append(' ').append(f.type).append('\n');
                f.lines.forEach(line -> sb.append(line).append('\n'));
            });
            return sb.toString();
        }

        private static String labels(Map<String, String> labels, String extraKey, String extraValue) {
            if (labels.isEmpty() && extraKey == null) return "";
            StringBuilder sb = new StringBuilder("{");
            labels.forEach(
                    (k, v) -> sb.append(k).append("=\"").append(escape(v)).append("\","));
            if (extraKey != null)
                sb.append(extraKey).append("=\"").append(extraValue).append("\",");
            sb.setLength(sb.length() - 1);
            return sb.append('}').toString();
        }

        private static String escape(String v) {
            return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }

        private static String num(double v) {
            if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
            return Double.toString(v);
        }
    }
}
