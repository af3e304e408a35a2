package dev.weft.agent.config;

import java.util.List;

/** Start-up configuration is invalid; the message names every bad option, its sources and allowed values. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
