package dev.weft.e2e.lab;

import java.util.List;

/**
 * One fault injected on a node's underlay link: an nftables table of the netdev family
 * ({@code wftlab_<node>_<kind>_<hex>}) hooked on the bridge port of that link in the underlay
 * namespace. {@link #remove()} deletes exactly this fault; {@link LabNode#clearFaults()} all of a node's.
 */
public record Fault(LabNode node, String table, String description) {
    /** Name prefix of every fault table. */
    public static final String TABLE_PREFIX = "wftlab_";

    public void remove() {
        ExecResult r = node.nft(List.of("delete", "table", "netdev", table), null);
        if (!r.ok() && node.activeFaults().contains(table)) {
            throw new LabException("cannot remove fault " + table + " on " + node.name() + ": " + r.describeFailure());
        }
    }

    /** Which direction of the link a fault applies to, seen from the node. */
    public enum Direction {
        /** Packets arriving at the node on its underlay link. */
        IN,
        /** Packets leaving the node on its underlay link (what a netem qdisc on eth0 would affect). */
        OUT,
        BOTH
    }
}
