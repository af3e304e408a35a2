package dev.weft.e2e.lab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One "machine" of the lab: a network namespace with {@code eth0} on the underlay bridge, address
 * {@code 192.0.2.(10+index)/24} (or, on an IPv6-only underlay, only {@code 2001:db8:c0::(10+index)/64}), loopback up
 * and IPv4 forwarding on.
 *
 * <p>Faults act on the node's underlay link, with nftables netdev-family tables hooked on the
 * bridge end of that link (port {@code n<index>} in the underlay namespace): traffic the node sends
 * is dropped on the port's ingress, traffic to the node on its egress. Dropping there, not inside
 * the node, makes them look like wire loss: an egress drop inside the node is reported to the
 * sending socket as ENOBUFS (ping then retries instead of losing the packet), and the product's own
 * nftables management in the node namespace can neither see nor flush the lab's rules.
 */
public final class LabNode extends LabNamespace {
    private final int index;

    LabNode(Lab lab, int index) {
        super(lab, LabNames.nodeNamespace(lab.runId(), index));
        this.index = index;
    }

    /** 1-based position in the lab. */
    public int index() {
        return index;
    }

    /** {@code n<index>}. */
    @Override
    public String name() {
        return LabNames.nodeName(index);
    }

    /** Underlay address without prefix length: IPv4, or IPv6 on an IPv6-only underlay. */
    public String address() {
        return lab.ipv6Underlay() ? LabNames.nodeAddressV6(index) : LabNames.nodeAddress(index);
    }

    /** Underlay address with prefix length, e.g. {@code 192.0.2.11/24} or {@code 2001:db8:c0::11/64}. */
    public String cidr() {
        return address() + "/"
                + (lab.ipv6Underlay() ? LabNames.UNDERLAY_PREFIX_LENGTH_V6 : LabNames.UNDERLAY_PREFIX_LENGTH);
    }

    /** The node's underlay interface name ({@code eth0}). */
    public String underlayInterface() {
        return LabNames.NODE_INTERFACE;
    }

    // ---- pods ----

    /**
     * Creates an empty "pod" namespace {@code <node namespace>-<label>} with only loopback up; the
     * product (CNI plugin / agent) is expected to plumb it. Deleted at teardown.
     */
    public LabPod createPod(String label) {
        return lab.createPod(this, label);
    }

    // ---- faults ----

    /** Drops all traffic (IPv4 and ARP, or IPv6) between this node and the given peers, both ways. */
    public Fault partitionFrom(LabNode... peers) {
        return partitionFrom(Arrays.stream(peers).map(LabNode::address).toList());
    }

    public Fault partitionFrom(Collection<String> peerAddresses) {
        if (peerAddresses.isEmpty()) {
            throw new IllegalArgumentException("partitionFrom needs at least one peer");
        }
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (String a : peerAddresses) {
            if (a.contains(":")) { // IPv6 underlay: neighbour discovery is IPv6 too
                in.add("ip6 saddr " + a + " drop");
                out.add("ip6 daddr " + a + " drop");
                continue;
            }
            in.add("ip saddr " + a + " drop");
            in.add("arp saddr ip " + a + " drop");
            out.add("ip daddr " + a + " drop");
            out.add("arp daddr ip " + a + " drop");
        }
        return addFault("part", "partition from " + String.join(",", peerAddresses), in, out);
    }

    /** Drops everything entering or leaving the node's underlay link (the node is cut off). */
    public Fault isolate() {
        return addFault("iso", "isolated from the underlay", List.of("drop"), List.of("drop"));
    }

    /** Drops {@code percent}% of packets leaving the node on its underlay link (like netem loss). */
    public Fault loss(int percent) {
        return loss(percent, Fault.Direction.OUT);
    }

    /** Drops {@code percent}% of packets in the given direction(s), each packet independently at random. */
    public Fault loss(int percent, Fault.Direction direction) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("loss percent must be 1..100, got " + percent);
        }
        String rule = percent == 100 ? "drop" : "numgen random mod 100 < " + percent + " drop";
        List<String> rules = List.of(rule);
        return addFault(
                "loss" + percent,
                percent + "% loss " + direction.name().toLowerCase(java.util.Locale.ROOT),
                direction == Fault.Direction.OUT ? List.of() : rules,
                direction == Fault.Direction.IN ? List.of() : rules);
    }

    /** Drops UDP packets to or from {@code port} in both directions (e.g. 4789 to break VXLAN). */
    public Fault blockUdpPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("UDP port must be 1..65535, got " + port);
        }
        List<String> rules = List.of("udp dport " + port + " drop", "udp sport " + port + " drop");
        return addFault("udp" + port, "UDP port " + port + " blocked", rules, rules);
    }

    /**
     * Pulls the node's cable: the bridge end of its link goes down, so {@code eth0} loses carrier
     * (the node sees NO-CARRIER; routes via eth0 stop working). Undo with {@link #plug()}.
     */
    public void unplug() {
        Cmd.check("ip", "-n", lab.underlayNamespace(), "link", "set", bridgePort(), "down");
    }

    /** Reconnects the cable pulled by {@link #unplug()} and waits until eth0 has carrier again. */
    public void plug() {
        Cmd.check("ip", "-n", lab.underlayNamespace(), "link", "set", bridgePort(), "up");
        Await.until(name() + " eth0 carrier", java.time.Duration.ofSeconds(5), this::hasCarrier);
    }

    /** True if the node's eth0 has carrier (its cable is plugged in). */
    public boolean hasCarrier() {
        String out = exec("cat", "/sys/class/net/" + underlayInterface() + "/carrier")
                .stdout()
                .strip();
        return out.equals("1");
    }

    /** Names of the fault tables present on this node's link. */
    public List<String> activeFaults() {
        ExecResult r = nft(List.of("list", "tables", "netdev"), null).orThrow();
        List<String> names = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            String[] t = line.strip().split("\\s+");
            if (t.length == 3 && t[0].equals("table") && t[2].startsWith(faultPrefix())) {
                names.add(t[2]);
            }
        }
        return names;
    }

    /** Removes every fault of this node's link (other nodes' faults stay). */
    public void clearFaults() {
        for (String t : activeFaults()) {
            nft(List.of("delete", "table", "netdev", t), null).orThrow();
        }
    }

    /** Port of this node's link on the underlay bridge (where faults are hooked). */
    public String bridgePort() {
        return LabNames.underlayPort(index);
    }

    private String faultPrefix() {
        return Fault.TABLE_PREFIX + name() + "_";
    }

    /** Runs nft in the underlay namespace. */
    ExecResult nft(List<String> args, String stdin) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.underlayNamespace(), "nft"));
        cmd.addAll(args);
        return Cmd.run(cmd, stdin, Cmd.DEFAULT_TIMEOUT);
    }

    private Fault addFault(String kind, String description, List<String> inRules, List<String> outRules) {
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        String table = faultPrefix() + kind + "_" + HexFormat.of().formatHex(b);
        StringBuilder s = new StringBuilder("table netdev ").append(table).append(" {\n");
        // Seen from the bridge port: what the node sends arrives on ingress, what it receives leaves on egress.
        chain(s, "to_node", "egress", inRules);
        chain(s, "from_node", "ingress", outRules);
        s.append("}\n");
        nft(List.of("-f", "-"), s.toString()).orThrow();
        return new Fault(this, table, description);
    }

    private void chain(StringBuilder s, String name, String hook, List<String> rules) {
        if (rules.isEmpty()) {
            return;
        }
        s.append("  chain ")
                .append(name)
                .append(" {\n    type filter hook ")
                .append(hook)
                .append(" device \"")
                .append(bridgePort())
                .append("\" priority -500; policy accept;\n");
        for (String r : rules) {
            s.append("    ").append(r).append("\n");
        }
        s.append("  }\n");
    }
}
