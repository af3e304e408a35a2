package dev.weft.agent.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's and the process's figures, from the Prometheus Java client's JVM instrumentation, with the names every
 * Java exporter uses: {@code jvm_memory_*} and {@code jvm_memory_pool_*} (heap, metaspace, code cache),
 * {@code jvm_buffer_pool_*} (direct and mapped buffers), {@code jvm_gc_collection_seconds}, {@code jvm_threads_*},
 * {@code jvm_classes_*}, {@code jvm_compilation_time_seconds_total}, {@code jvm_runtime_info} and {@code process_*}
 * (CPU seconds, open and maximum file descriptors, resident and virtual memory, start time).
 *
 * <p>Each group sits in its own client registry, so one that fails at scrape time costs only its own families. Two of
 * the client's groups are left out on purpose: native memory ({@code jvm_native_memory_*}: figures only under
 * {@code -XX:NativeMemoryTracking}, which the agent does not run, and probing for it starts the platform MBean server,
 * some 600 classes) and per-pool allocation ({@code jvm_memory_pool_allocated_bytes_total}: a listener on every GC
 * notification and the JMX notification classes it needs, about 240 classes).
 *
 * <p>Scrape cost: everything is read from the platform MXBeans and {@code /proc/self}; {@code jvm_threads_deadlocked}
 * asks the JVM to look for deadlocks, a brief safepoint per scrape (as in every Java exporter).
 */
final class JvmFigures {
    private static final Logger log = LoggerFactory.getLogger(JvmFigures.class);

    private JvmFigures() {}

    /** A registry per group; the groups that could not be set up are left out and named in one WARN line. */
    static List<PrometheusRegistry> registries() {
        Map<String, Consumer<PrometheusRegistry>> groups = new LinkedHashMap<>();
        groups.put("memory", r -> JvmMemoryMetrics.builder().register(r));
        groups.put("buffer pools", r -> JvmBufferPoolMetrics.builder().register(r));
        groups.put("gc", r -> JvmGarbageCollectorMetrics.builder().register(r));
        groups.put("threads", r -> JvmThreadsMetrics.builder().register(r));
        groups.put("classes", r -> JvmClassLoadingMetrics.builder().register(r));
        groups.put("compilation", r -> JvmCompilationMetrics.builder().register(r));
        groups.put("runtime", r -> JvmRuntimeInfoMetric.builder().register(r));
        groups.put("process", r -> ProcessMetrics.builder().register(r));
        List<PrometheusRegistry> out = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Throwable cause = null;
        for (var g : groups.entrySet()) {
            PrometheusRegistry r = new PrometheusRegistry();
            try {
                g.getValue().accept(r);
                out.add(r);
            } catch (RuntimeException | LinkageError e) {
                // LinkageError: the client reads its configuration in a static initialiser (PROMETHEUS_CONFIG,
                // prometheus.properties, io.prometheus.* system properties); a bad one fails every group the same way
                failed.add(g.getKey());
                if (cause == null) cause = e;
            }
        }
        if (cause != null) {
            Throwable root = cause;
            while (root.getCause() != null) root = root.getCause();
            log.atWarn()
                    .addKeyValue("groups", String.join(",", failed))
                    .addKeyValue("error", root.toString())
                    .log("/metrics serves no JVM or process figures for these groups: the Prometheus client could not"
                            + " set them up. If PROMETHEUS_CONFIG or -Dprometheus.config is set for the agent, unset it"
                            + " or fix the file it names (Weft needs none); Weft's own figures are served as usual");
        }
        return out;
    }
}
