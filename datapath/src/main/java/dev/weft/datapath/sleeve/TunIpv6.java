package dev.weft.datapath.sleeve;

import dev.weft.datapath.netlink.Sysctl;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a new (still down) TUN device carry IPv6: the kernel drops IPv6 sent or received on a device with
 * {@code disable_ipv6=1} (which a device inherits from {@code net.ipv6.conf.default}), so it is cleared for this
 * device alone. {@code addr_gen_mode} is set to none first: the device gets no link-local address, so it sends no
 * duplicate address detection or multicast listener reports into the sleeve (which has no peer for them); forwarded
 * pod packets and routes need none. Runs in the calling thread's network namespace.
 */
final class TunIpv6 {
    private static final Logger LOG = LoggerFactory.getLogger(TunIpv6.class);

    private TunIpv6() {}

    /** What happened, for the start log: "on", or why IPv6 is off on the device. */
    static String enable(String device) {
        String conf = "net/ipv6/conf/" + device + "/";
        try {
            String disabled = Sysctl.read(conf + "disable_ipv6");
            Sysctl.write(conf + "addr_gen_mode", "1");
            if (!"0".equals(disabled)) Sysctl.write(conf + "disable_ipv6", "0");
            return "on";
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                return "off (this kernel has no IPv6: booted with ipv6.disable=1 or built without it)";
            }
            LOG.warn(
                    "cannot enable IPv6 on {} ({}): IPv6 pod ranges of peers on the sleeve are unreachable; make"
                            + " /proc/sys/net writable for the agent (or set WEFT_SYSCTL_ROOT to a writable mount of it)",
                    device,
                    e.getMessage());
            return "off (" + e.getMessage() + ")";
        }
    }
}
