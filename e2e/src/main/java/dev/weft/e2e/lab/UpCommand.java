package dev.weft.e2e.lab;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code weft lab up}: creates a persistent lab and shows its nodes and their reachability. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Create node namespaces on an underlay bridge and show how to use them.")
final class UpCommand implements Callable<Integer> {

    @ParentCommand
    LabMain parent;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--nodes",
            paramLabel = "N",
            defaultValue = "3",
            description = "Number of node namespaces, 1..99 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--no-check", description = "Do not ping between the nodes after creating them.")
    boolean noCheck;

    @Option(
            names = "--mtu",
            paramLabel = "BYTES",
            defaultValue = "1500",
            description = "Underlay MTU (default: ${DEFAULT-VALUE}).")
    int mtu;

    @Option(
            names = "--ipv6-underlay",
            description = "Give the nodes only IPv6 underlay addresses (2001:db8:c0::1x/64), no IPv4 address.")
    boolean ipv6Underlay;

    @Option(
            names = "--agents",
            description = "Start a Weft agent in every node (VXLAN, pods from 198.18.0.0/16) and keep them running.")
    boolean agents;

    @Option(
            names = "--pods",
            paramLabel = "M",
            defaultValue = "0",
            description =
                    "Also attach M pods per node through the real CNI plugin and print the pod-to-pod matrix and weft status (implies --agents).")
    int pods;

    @Option(
            names = "--start",
            paramLabel = "CMD",
            description = {
                "Start CMD (run by sh -c) in every node and leave it running; placeholders:",
                "{node} {index} {address} {seeds} (comma-separated node addresses) {ns} {rundir}.",
                "Output goes to <rundir>/<node>/start.log."
            })
    String startCommand;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Lab.Builder builder =
                Lab.builder().nodes(nodes).underlayMtu(mtu).root(parent.root()).persistent(true);
        if (ipv6Underlay) builder.ipv6Underlay();
        Lab lab = builder.start();
        try {
            printNodes(out, lab);
            boolean reachable = noCheck || printReachability(out, lab);
            // Per-node processes (agents) start after the underlay is known to work.
            if (startCommand != null) {
                List<LabProcess> started = lab.startOnEachNode(
                        "start", (node, seeds) -> List.of("sh", "-c", expand(startCommand, lab, node, seeds)));
                started.forEach(
                        p -> out.printf("started on %s: pid %d, log %s%n", p.namespace(), p.pid(), p.logFile()));
                out.println();
            }
            int clusterCode = 0;
            if (agents || pods > 0) {
                out.println();
                clusterCode = dev.weft.e2e.cluster.DemoCommand.run(lab, pods, "vxlan", true, false, out);
            }
            printHelp(out, lab);
            out.flush();
            return reachable && clusterCode == 0 ? 0 : 1;
        } catch (RuntimeException e) {
            lab.teardown();
            throw e;
        }
    }

    /** Replaces the placeholders of {@code --start} for one node. */
    static String expand(String template, Lab lab, LabNode node, List<String> seeds) {
        return template.replace("{node}", node.name())
                .replace("{index}", Integer.toString(node.index()))
                .replace("{address}", node.address())
                .replace("{seeds}", String.join(",", seeds))
                .replace("{ns}", node.namespace())
                .replace("{rundir}", lab.runDir().toString());
    }

    static void printNodes(PrintWriter out, Lab lab) {
        out.printf(
                "lab %s is up: %d nodes on bridge %s in namespace %s; logs in %s%n%n",
                lab.runId(), lab.nodes().size(), LabNames.BRIDGE, lab.underlayNamespace(), lab.runDir());
        out.printf("%-5s %-18s %-20s %-6s %s%n", "NODE", "NAMESPACE", "ADDRESS", "IFACE", "ENTER WITH");
        for (LabNode n : lab.nodes()) {
            out.printf(
                    "%-5s %-18s %-20s %-6s ip netns exec %s bash%n",
                    n.name(), n.namespace(), n.cidr(), n.underlayInterface(), n.namespace());
        }
        out.println();
    }

    /** Pings every node from every other one; prints a matrix; true if all answered. */
    static boolean printReachability(PrintWriter out, Lab lab) {
        List<LabNode> ns = lab.nodes();
        boolean all = true;
        out.println("reachability over the underlay (one ping each, from row to column):");
        out.printf("%-5s", "");
        ns.forEach(n -> out.printf(" %-4s", n.name()));
        out.println();
        for (LabNode from : ns) {
            out.printf("%-5s", from.name());
            for (LabNode to : ns) {
                String cell;
                if (from == to) {
                    cell = "-";
                } else if (from.canReach(to.address())) {
                    cell = "ok";
                } else {
                    cell = "FAIL";
                    all = false;
                }
                out.printf(" %-4s", cell);
            }
            out.println();
        }
        out.println(
                all
                        ? "all nodes reach each other."
                        : "some nodes cannot reach each other: check faults with "
                                + "'weft lab status' and links with 'weft lab exec underlay -- bridge link'");
        out.println();
        return all;
    }

    static void printHelp(PrintWriter out, Lab lab) {
        out.println("next:");
        out.printf(
                "  weft lab exec n1 -- ping -c1 %s      run a command in a node%n",
                lab.node(lab.nodes().size()).address());
        out.println("  weft lab fault n1 partition|loss 30|block-udp 4789|clear   inject faults on n1's eth0");
        out.println("  weft lab status                              show labs, faults, processes");
        out.println("  weft lab down                                remove the lab");
    }
}
