package dev.weft.e2e.lab;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code weft lab fault <node> partition|loss N|block-udp PORT|unplug|plug|clear|list}. */
@Command(
        name = "fault",
        mixinStandardHelpOptions = true,
        description = {
            "Inject or clear faults on a node's underlay link (nftables in the node's namespace).",
            "  partition [--from n2,n3]  drop all traffic with the given nodes (default: all other nodes)",
            "  loss N [--direction out|in|both]  drop N% of packets at random (default: outgoing)",
            "  block-udp PORT            drop UDP to/from PORT both ways (4789 = VXLAN, 6770 = gossip)",
            "  unplug | plug             take the node's cable out / put it back (carrier loss)",
            "  clear                     remove every nftables fault of the node and plug it back in",
            "  list                      show the node's fault tables"
        })
final class FaultCommand implements Callable<Integer> {

    @ParentCommand
    LabMain parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--run", paramLabel = "RUN", description = "Lab run id (default: the only lab that is up).")
    String runId;

    @Option(names = "--from", split = ",", paramLabel = "NODE", description = "Peers to partition from.")
    List<String> from = List.of();

    @Option(
            names = "--direction",
            defaultValue = "out",
            paramLabel = "DIR",
            description = "For loss: out, in or both (default: ${DEFAULT-VALUE}).")
    String direction;

    @Parameters(index = "0", paramLabel = "NODE")
    String node;

    @Parameters(
            index = "1",
            paramLabel = "ACTION",
            description = "partition, loss, block-udp, unplug, plug, clear or list")
    String action;

    @Parameters(
            index = "2",
            arity = "0..1",
            paramLabel = "VALUE",
            description = "Percent for loss, port for block-udp.")
    String value;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Lab lab = LabCli.attach(parent.root(), runId);
        LabNode n = lab.node(node);
        switch (action) {
            case "partition" -> {
                List<LabNode> peers = from.isEmpty()
                        ? lab.nodes().stream().filter(p -> p != n).toList()
                        : from.stream().map(lab::node).toList();
                Fault f = n.partitionFrom(peers.toArray(LabNode[]::new));
                out.println(n.name() + ": " + f.description() + " (" + f.table() + ")");
            }
            case "loss" -> {
                Fault.Direction d;
                try {
                    d = Fault.Direction.valueOf(direction.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--direction must be out, in or both, got '" + direction + "'");
                }
                Fault f = n.loss(number("loss percent"), d);
                out.println(n.name() + ": " + f.description() + " (" + f.table() + ")");
            }
            case "block-udp" -> {
                Fault f = n.blockUdpPort(number("UDP port"));
                out.println(n.name() + ": " + f.description() + " (" + f.table() + ")");
            }
            case "clear" -> {
                int before = n.activeFaults().size();
                n.clearFaults();
                n.plug();
                out.println(n.name() + ": " + before + " fault(s) removed, link plugged in");
            }
            case "unplug" -> {
                n.unplug();
                out.println(n.name() + ": cable unplugged (eth0 has no carrier)");
            }
            case "plug" -> {
                n.plug();
                out.println(n.name() + ": cable plugged in");
            }
            case "list" -> {
                List<String> f = n.activeFaults();
                out.println(n.name() + ": " + (f.isEmpty() ? "no faults" : String.join(" ", f)));
            }
            default ->
                throw new IllegalArgumentException("unknown fault action '" + action
                        + "': use partition, loss N, block-udp PORT, unplug, plug, clear or list");
        }
        out.flush();
        return 0;
    }

    private int number(String what) {
        if (value == null) {
            throw new IllegalArgumentException(action + " needs a " + what);
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a number, got '" + value + "'");
        }
    }
}
