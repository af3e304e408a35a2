package dev.weft.datapath.sleeve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 13 item 6: sleeve drops, whatever their number and reasons, are at most one log line a minute. */
class SleeveDropLogTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final SleeveCounters counters = new SleeveCounters();
    private final List<String> lines = new ArrayList<>();
    private final SleeveDropLog dropLog = new SleeveDropLog(counters, lines::add);

    @Test
    void aFloodOfForgedFramesForTenMinutesIsTenLines() {
        List<SleeveCounter> drops = java.util.Arrays.stream(SleeveCounter.values())
                .filter(SleeveDropLog::isDrop)
                .toList();
        assertThat(drops).contains(SleeveCounter.RX_AUTH_FAILED, SleeveCounter.RX_UNKNOWN_KEY, SleeveCounter.RX_REPLAY);
        for (long t = 0; t < 600; t++) {
            for (int i = 0; i < 500; i++) counters.inc(drops.get((int) ((t + i) % drops.size())));
            counters.add(SleeveCounter.RX_PACKETS, 1000); // traffic that is not a drop is never logged
            dropLog.check(t * SECOND);
        }
        assertThat(lines).hasSize(10);
        assertThat(lines.getFirst())
                .contains("reason=rx_drop_auth_failed count=")
                .doesNotContain("rx_packets");
        assertThat(lines.get(1)).contains("sleeve dropped 30000 packet(s) in the last 60 s");
    }

    @Test
    void nothingDroppedNothingLogged() {
        counters.add(SleeveCounter.RX_PACKETS, 5);
        for (long t = 0; t < 120; t++) dropLog.check(t * SECOND);
        assertThat(lines).isEmpty();
        counters.inc(SleeveCounter.RX_UNKNOWN_KEY);
        dropLog.check(120 * SECOND);
        assertThat(lines).singleElement().asString().contains("reason=rx_drop_unknown_key count=1", "same secret");
    }
}
