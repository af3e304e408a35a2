package dev.weft.datapath.sleeve;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe, allocation-free counters of one sleeve; {@link #snapshot()} for status/metrics. */
public final class SleeveCounters {
    private final LongAdder[] values = new LongAdder[SleeveCounter.values().length];

    public SleeveCounters() {
        for (int i = 0; i < values.length; i++) values[i] = new LongAdder();
    }

    void inc(SleeveCounter c) {
        values[c.ordinal()].increment();
    }

    void add(SleeveCounter c, long n) {
        values[c.ordinal()].add(n);
    }

    public long get(SleeveCounter c) {
        return values[c.ordinal()].sum();
    }

    public Map<SleeveCounter, Long> snapshot() {
        EnumMap<SleeveCounter, Long> m = new EnumMap<>(SleeveCounter.class);
        for (SleeveCounter c : SleeveCounter.values()) m.put(c, get(c));
        return Collections.unmodifiableMap(m);
    }
}
