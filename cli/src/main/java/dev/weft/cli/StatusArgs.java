package dev.weft.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The plain form of {@code weft status}: {@code status [VIEW] [--socket PATH | --socket=PATH]}, no config file. The
 * socket comes from {@code --socket}, else {@code WEFT_SOCKET}, else {@value #DEFAULT_SOCKET}, as through the agent's
 * picocli command. Anything else (help, other options, two views, a config file in {@code WEFT_CONFIG_FILE}, an empty
 * socket) is not this form: the agent's full CLI handles it.
 */
public record StatusArgs(String view, Path socket) {
    public static final String DEFAULT_SOCKET = "/run/weft/weft.sock";

    /** {@code args} as given to {@code weft} (the first is {@code status}); empty when not the plain form. */
    public static Optional<StatusArgs> parse(String[] args, Map<String, String> env) {
        if (args.length == 0 || !args[0].equals("status") || env.get("WEFT_CONFIG_FILE") != null) {
            return Optional.empty();
        }
        String view = null;
        String sock = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket") && i + 1 < args.length && sock == null) {
                sock = args[++i];
            } else if (a.startsWith("--socket=") && sock == null) {
                sock = a.substring("--socket=".length());
            } else if (!a.startsWith("-") && view == null) {
                view = a;
            } else {
                return Optional.empty();
            }
        }
        if (sock == null) sock = env.getOrDefault("WEFT_SOCKET", DEFAULT_SOCKET);
        if (sock.isEmpty()) return Optional.empty();
        return Optional.of(new StatusArgs(view == null ? "summary" : view, Path.of(sock)));
    }
}
