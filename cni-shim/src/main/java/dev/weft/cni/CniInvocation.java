package dev.weft.cni;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One CNI call as the runtime made it: the {@code CNI_*} environment (null = unset) and stdin.
 * Shared by the plugin (which builds it from its process) and the agent (which receives it).
 */
public record CniInvocation(
        String command, String containerId, String netns, String ifName, String args, String path, byte[] stdin) {

    public static final String ADD = "ADD";
    public static final String DEL = "DEL";
    public static final String CHECK = "CHECK";
    public static final String VERSION = "VERSION";
    public static final String STATUS = "STATUS";
    public static final String GC = "GC";

    /** Longest Linux interface name. */
    public static final int IFNAMSIZ_MAX = 15;

    public CniInvocation {
        stdin = stdin == null ? new byte[0] : stdin;
    }

    public static CniInvocation fromEnv(Map<String, String> env, byte[] stdin) {
        return new CniInvocation(
                env.get("CNI_COMMAND"),
                env.get("CNI_CONTAINERID"),
                env.get("CNI_NETNS"),
                env.get("CNI_IFNAME"),
                env.get("CNI_ARGS"),
                env.get("CNI_PATH"),
                stdin);
    }

    public String stdinText() {
        return new String(stdin, StandardCharsets.UTF_8);
    }

    public boolean isKnownCommand() {
        return command != null
                && switch (command) {
                    case ADD, DEL, CHECK, VERSION, STATUS, GC -> true;
                    default -> false;
                };
    }

    /**
     * Checks the environment the command needs (CNI spec 1.1.0 "Parameters"); throws error 4 naming the
     * first missing or malformed variable.
     */
    public void validateEnv() throws CniException {
        if (command == null || command.isEmpty()) {
            throw new CniException(
                    CniError.INVALID_ENV,
                    "CNI_COMMAND is not set",
                    "the plugin must be run by a container runtime with CNI_COMMAND=ADD|DEL|CHECK|VERSION|STATUS|GC");
        }
        if (!isKnownCommand()) {
            throw new CniException(
                    CniError.INVALID_ENV,
                    "unknown CNI_COMMAND '" + command + "'",
                    "expected one of ADD, DEL, CHECK, VERSION, STATUS, GC");
        }
        switch (command) {
            case ADD, CHECK -> {
                requireContainerId();
                requireIfName();
                if (netns == null || netns.isEmpty()) {
                    throw new CniException(
                            CniError.INVALID_ENV,
                            "CNI_NETNS is not set",
                            command + " needs the path of the container's network namespace in CNI_NETNS");
                }
                requirePath();
            }
            case DEL -> {
                requireContainerId();
                requireIfName();
                requirePath();
            }
            default -> {}
        }
    }

    private void requireContainerId() throws CniException {
        if (containerId == null || containerId.isEmpty()) {
            throw new CniException(
                    CniError.INVALID_ENV, "CNI_CONTAINERID is not set", command + " needs the container id");
        }
        if (!validContainerId(containerId)) {
            throw new CniException(
                    CniError.INVALID_ENV,
                    "CNI_CONTAINERID '" + containerId + "' is malformed",
                    "it must start with a letter or digit followed by letters, digits, '_', '.' or '-'");
        }
    }

    private void requireIfName() throws CniException {
        if (ifName == null || ifName.isEmpty()) {
            throw new CniException(
                    CniError.INVALID_ENV, "CNI_IFNAME is not set", command + " needs the interface name");
        }
        if (!validIfName(ifName)) {
            throw new CniException(
                    CniError.INVALID_ENV,
                    "CNI_IFNAME '" + ifName + "' is not a valid interface name",
                    "at most " + IFNAMSIZ_MAX + " characters, not '.' or '..', without '/', ':' or whitespace");
        }
    }

    private void requirePath() throws CniException {
        if (path == null || path.isEmpty()) {
            throw new CniException(
                    CniError.INVALID_ENV,
                    "CNI_PATH is not set",
                    command + " needs CNI_PATH (the list of plugin directories)");
        }
    }

    static boolean validContainerId(String id) {
        if (id.isEmpty() || !Character.isLetterOrDigit(id.charAt(0)) || id.charAt(0) > 0x7f) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '.'
                    || c == '-';
            if (!ok) return false;
        }
        return true;
    }

    static boolean validIfName(String n) {
        if (n.isEmpty() || n.length() > IFNAMSIZ_MAX || n.equals(".") || n.equals("..")) return false;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "CniInvocation[command=" + command + ", containerId=" + containerId + ", netns=" + netns + ", ifName="
                + ifName + ", stdin=" + stdin.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CniInvocation c
                && java.util.Objects.equals(command, c.command)
                && java.util.Objects.equals(containerId, c.containerId)
                && java.util.Objects.equals(netns, c.netns)
                && java.util.Objects.equals(ifName, c.ifName)
                && java.util.Objects.equals(args, c.args)
                && java.util.Objects.equals(path, c.path)
                && java.util.Arrays.equals(stdin, c.stdin);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(command, containerId, netns, ifName, args, path) * 31
                + java.util.Arrays.hashCode(stdin);
    }
}
