package dev.weft.e2e.lab;

import java.util.HexFormat;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Naming scheme of lab objects. A run id is {@code wftlab} + 6 hex digits; every namespace of the
 * run starts with the run id and a dash, so a run's objects can always be found by name alone.
 * Interface names stay within the kernel's 15-character limit.
 */
public final class LabNames {
    /** Prefix of every run id and every lab namespace. */
    public static final String PREFIX = "wftlab";
    /** The bridge in the underlay namespace. */
    public static final String BRIDGE = "br0";
    /** A node's underlay interface, inside the node namespace. */
    public static final String NODE_INTERFACE = "eth0";
    /** Prefix length of node addresses on the underlay. */
    public static final int UNDERLAY_PREFIX_LENGTH = 24;
    /** Prefix length of node addresses on an IPv6-only underlay. */
    public static final int UNDERLAY_PREFIX_LENGTH_V6 = 64;
    /** Largest node count (addresses 192.0.2.11 .. 192.0.2.109). */
    public static final int MAX_NODES = 99;

    private static final Pattern RUN_ID = Pattern.compile(PREFIX + "[0-9a-f]{6}");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]{1,12}");

    private LabNames() {}

    static String newRunId(RandomGenerator random) {
        byte[] b = new byte[3];
        random.nextBytes(b);
        return PREFIX + HexFormat.of().formatHex(b);
    }

    public static boolean isRunId(String s) {
        return RUN_ID.matcher(s).matches();
    }

    /** Run id a lab namespace belongs to, if the name follows the lab scheme. */
    public static Optional<String> runIdOf(String namespace) {
        int dash = namespace.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        String id = namespace.substring(0, dash);
        return isRunId(id) ? Optional.of(id) : Optional.empty();
    }

    static String underlayNamespace(String runId) {
        return runId + "-u";
    }

    static String nodeName(int index) {
        return "n" + index;
    }

    static String nodeNamespace(String runId, int index) {
        return runId + "-" + nodeName(index);
    }

    static String podNamespace(String runId, int index, String label) {
        if (!LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("pod label must match " + LABEL + ", got '" + label + "'");
        }
        return nodeNamespace(runId, index) + "-" + label;
    }

    /** Name of a node's veth end inside the underlay namespace (attached to the bridge). */
    static String underlayPort(int index) {
        return "n" + index;
    }

    /** Underlay address of node {@code index} (1-based): 192.0.2.(10 + index). */
    public static String nodeAddress(int index) {
        if (index < 1 || index > MAX_NODES) {
            throw new IllegalArgumentException("node index must be 1.." + MAX_NODES + ", got " + index);
        }
        return "192.0.2." + (10 + index);
    }

    /**
     * Underlay address of node {@code index} on an IPv6-only underlay: {@code 2001:db8:c0::(10 + index)} (the
     * documentation prefix; the same last digits as the IPv4 plan, e.g. node 1 is {@code 2001:db8:c0::11}).
     */
    public static String nodeAddressV6(int index) {
        return "2001:db8:c0::" + nodeAddress(index).substring("192.0.2.".length());
    }
}
