package dev.weft.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class LayoutTest {
    private static LoggingEvent event(String msg, List<KeyValuePair> kvs) {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("dev.weft.gossip.swim.Swim"), Level.WARN, msg, null, null);
        e.setTimeStamp(1_764_086_400_000L);
        kvs.forEach(e::addKeyValuePair);
        return e;
    }

    @Test
    void textLineHasComponentMessageAndQuotedContext() {
        String line = new LineLayout()
                .doLayout(event(
                        "no response from peer",
                        List.of(new KeyValuePair("peer", "ab12"), new KeyValuePair("hint", "is UDP 6770 open?"))));
        assertThat(line)
                .isEqualTo(
                        "2025-11-25T16:00:00Z WARN  gossip  no response from peer peer=ab12 hint=\"is UDP 6770 open?\"\n");
    }

    @Test
    void jsonLineIsOneObjectWithStableFields() {
        String line = new JsonLayout().doLayout(event("say \"hi\"\n", List.of(new KeyValuePair("pod", "ns/p"))));
        assertThat(line)
                .isEqualTo("{\"ts\":\"2025-11-25T16:00:00Z\",\"level\":\"WARN\",\"component\":\"gossip\","
                        + "\"logger\":\"dev.weft.gossip.swim.Swim\",\"msg\":\"say \\\"hi\\\"\\n\",\"pod\":\"ns/p\"}\n");
    }
}
