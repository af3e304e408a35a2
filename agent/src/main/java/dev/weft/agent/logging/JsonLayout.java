package dev.weft.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per line with stable field names: {@code ts, level, component, logger, msg}, then each
 * key/value context pair as its own field, then {@code error} when a throwable is attached.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(200).append('{');
        field(sb, "ts", Instant.ofEpochMilli(e.getTimeStamp()).toString(), true);
        field(sb, "level", e.getLevel().toString(), false);
        field(sb, "component", LineLayout.component(e.getLoggerName()), false);
        field(sb, "logger", e.getLoggerName(), false);
        field(sb, "msg", e.getFormattedMessage(), false);
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) field(sb, kv.key, String.valueOf(kv.value), false);
        }
        for (Map.Entry<String, String> m : e.getMDCPropertyMap().entrySet()) field(sb, m.getKey(), m.getValue(), false);
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) field(sb, "error", t.getClassName() + ": " + t.getMessage(), false);
        return sb.append("}\n").toString();
    }

    private static void field(StringBuilder sb, String k, String v, boolean first) {
        if (!first) sb.append(',');
        quote(sb, k);
        sb.append(':');
        quote(sb, v);
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        if (s == null) s = "null";
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
