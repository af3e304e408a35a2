package dev.weft.agent.cli;

import dev.weft.agent.cli.DoctorCommand.Check;
import dev.weft.agent.cli.DoctorCommand.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code weft doctor}'s IPv6 checks: IPv6 enabled on the node and {@code net.ipv6.conf.all.forwarding=1}. They fail
 * only when the cluster has IPv6 pods (dual stack or single-stack IPv6); otherwise a disabled IPv6 is not reported.
 */
final class Ipv6Checks {
    private Ipv6Checks() {}

    /** @param needed the agent's report shows an IPv6 range (or the agent could not be asked) */
    static List<Check> of(Path proc, boolean needed) {
        List<Check> out = new ArrayList<>();
        Path conf = proc.resolve("sys/net/ipv6/conf/all");
        if (!Files.isDirectory(conf)) {
            if (needed) {
                out.add(
                        new Check(
                                "ipv6",
                                Status.FAIL,
                                "IPv6 is not available on this node (" + conf + " missing): IPv6 pods cannot be served",
                                "boot the node without ipv6.disable=1 (a kernel with CONFIG_IPV6), or use a single-stack IPv4 --cluster-range"));
            }
            return out;
        }
        String disabled = read(conf.resolve("disable_ipv6"));
        if ("1".equals(disabled)) {
            if (needed) {
                out.add(
                        new Check(
                                "ipv6",
                                Status.FAIL,
                                "net.ipv6.conf.all.disable_ipv6=1: IPv6 is switched off on this node",
                                "sysctl -w net.ipv6.conf.all.disable_ipv6=0 (and in /etc/sysctl.d), or use a single-stack IPv4 --cluster-range"));
            }
            return out;
        }
        out.add(new Check("ipv6", Status.OK, "IPv6 enabled", null));
        String fwd = read(conf.resolve("forwarding"));
        if ("1".equals(fwd)) {
            out.add(new Check("ipv6-forward", Status.OK, "net.ipv6.conf.all.forwarding=1", null));
        } else if (needed) {
            out.add(new Check(
                    "ipv6-forward",
                    Status.FAIL,
                    "net.ipv6.conf.all.forwarding=" + fwd + ": this node will not forward IPv6 pod traffic",
                    "sysctl -w net.ipv6.conf.all.forwarding=1 (the agent sets it at start when the cluster has IPv6; "
                            + "something reset it). Note: with forwarding on, the node ignores router advertisements "
                            + "unless accept_ra=2 on its uplink"));
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
