package dev.weft.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * One line per event: {@code 2026-11-25T16:30:00.123Z INFO  gossip  member is suspect peer=ab12 addr=192.0.2.12:6770}.
 * Context comes from SLF4J 2 key/value pairs ({@code log.atInfo().addKeyValue("peer", id)}) and the MDC.
 * Values with spaces or quotes are quoted so a line stays machine-splittable.
 */
public final class LineLayout extends LayoutBase<ILoggingEvent> {

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(Instant.ofEpochMilli(e.getTimeStamp())).append(' ');
        String level = e.getLevel().toString();
        sb.append(level);
        for (int i = level.length(); i < 5; i++) sb.append(' ');
        sb.append(' ').append(component(e.getLoggerName())).append("  ");
        sb.append(e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) appendKv(sb, kv.key, kv.value);
        }
        for (Map.Entry<String, String> m : e.getMDCPropertyMap().entrySet()) appendKv(sb, m.getKey(), m.getValue());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            appendKv(sb, "error", t.getClassName() + ": " + t.getMessage());
        }
        sb.append('\n');
        if (t != null && e.getLevel().levelInt <= ch.qos.logback.classic.Level.DEBUG_INT) {
            for (StackTraceElementProxy st : t.getStackTraceElementProxyArray())
                sb.append("    at ").append(st.getStackTraceElement()).append('\n');
        }
        return sb.toString();
    }

    /** {@code dev.weft.gossip.swim.Swim} becomes {@code gossip}: the module is what an operator cares about. */
    static String component(String loggerName) {
        if (loggerName.startsWith("dev.weft.")) {
            int start = "dev.weft.".length();
            int dot = loggerName.indexOf('.', start);
            return dot < 0 ? loggerName.substring(start) : loggerName.substring(start, dot);
        }
        int last = loggerName.lastIndexOf('.');
        return last < 0 ? loggerName : loggerName.substring(last + 1);
    }

    static void appendKv(StringBuilder sb, String key, Object value) {
        sb.append(' ').append(key).append('=');
        String v = String.valueOf(value);
        boolean quote = v.isEmpty() || v.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=' || c < 0x20);
        if (!quote) {
            sb.append(v);
            return;
        }
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c < 0x20 ? ' ' : c);
            }
        }
        sb.append('"');
    }
}
