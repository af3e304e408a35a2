package dev.weft.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.gossip.wire.DropReason;
import dev.weft.gossip.wire.WireCounters;
import dev.weft.id.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 6: however many packets a stranger sends and for whatever reasons, drops cost at most one log line a
 * minute (driven with a simulated clock, checked every second as the node's tick does), and every drop is in a line.
 */
class DropLogTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final WireCounters counters = new WireCounters();
    private final List<String> lines = new ArrayList<>();
    private final DropLog dropLog = new DropLog(PeerId.of(0xa1), counters, lines::add);

    @Test
    void aTenMinuteFloodOfEveryReasonIsTenLines() {
        DropReason[] reasons = DropReason.values();
        long dropped = 0;
        for (long t = 0; t < 600; t++) {
            for (int i = 0; i < 1000; i++) {
                counters.drop(reasons[(int) ((t + i) % reasons.length)]);
                dropped++;
            }
            dropLog.check(1_000 * SECOND + t * SECOND);
        }
        assertThat(lines).hasSize(10);
        long logged = 0;
        for (String l : lines) {
            Matcher m = Pattern.compile("gossip dropped (\\d+) packet").matcher(l);
            assertThat(m.find()).isTrue();
            logged += Long.parseLong(m.group(1));
            for (DropReason r : reasons) assertThat(l).contains("reason=" + r.counterName() + " count=");
        }
        // the last line was at t=540 s; what came after is counted and waits for the next minute
        assertThat(logged).isEqualTo(dropped - 59_000);
        dropLog.check(1_000 * SECOND + 600 * SECOND);
        assertThat(lines).hasSize(11);
    }

    @Test
    void theFirstDropIsLoggedAtOnceAndQuietMinutesAreSilent() {
        dropLog.check(0);
        assertThat(lines).as("nothing dropped, nothing logged").isEmpty();
        counters.drop(DropReason.AUTH_FAILED);
        dropLog.check(SECOND);
        assertThat(lines).singleElement().asString().contains("dropped 1 packet(s)", "reason=auth_failed count=1");
        for (long t = 2; t < 3_600; t++) dropLog.check(t * SECOND);
        assertThat(lines).as("an hour without drops").hasSize(1);
        counters.drop(DropReason.REPLAYED);
        counters.drop(DropReason.REPLAYED);
        dropLog.check(3_600 * SECOND);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("reason=replayed count=2").doesNotContain("auth_failed");
    }

    @Test
    void dropsWithinTheMinuteWaitForItsEnd() {
        counters.drop(DropReason.BAD_MAGIC);
        dropLog.check(0);
        for (int i = 0; i < 59; i++) {
            counters.drop(DropReason.OVERSIZED);
            dropLog.check((i + 1) * SECOND);
        }
        assertThat(lines).hasSize(1);
        dropLog.check(60 * SECOND);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("dropped 59 packet(s)", "in the last 60 s", "reason=oversized count=59");
    }
}
