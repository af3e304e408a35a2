package dev.weft.e2e.lab;

import java.util.List;

/**
 * Builds the command line to start on one node, e.g. a Weft agent:
 * {@code (node, seeds) -> List.of("bin/weft", "agent", "--advertise", node.address(), "--seeds", String.join(",", seeds))}.
 * {@code seeds} are the underlay addresses of all nodes of the lab, in node order.
 */
@FunctionalInterface
public interface NodeCommand {
    List<String> command(LabNode node, List<String> seeds);
}
