package dev.weft.agent.logging;

import java.util.Locale;

/** How log lines are rendered: {@code text} (one line, key=value context) or {@code json} (one object per line). */
public enum LogFormat {
    TEXT,
    JSON;

    public static LogFormat parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("'" + s + "' is not a log format; allowed: text, json");
        };
    }
}
