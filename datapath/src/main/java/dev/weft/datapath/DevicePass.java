package dev.weft.datapath;

import dev.weft.datapath.netlink.Address;
import dev.weft.datapath.netlink.Errno;
import dev.weft.datapath.netlink.Link;
import dev.weft.datapath.netlink.LinkSpec;
import dev.weft.datapath.netlink.LinkUpdate;
import dev.weft.datapath.netlink.NetlinkException;
import dev.weft.datapath.netlink.Rtnl;
import dev.weft.ipam.addr.IpAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler's device pass: the VXLAN device exists with the desired VNI, port, local address, underlay, MTU and
 * MAC (recreated when it cannot be changed in place) and carries exactly the desired VTEP addresses.
 */
final class DevicePass {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private DevicePass() {}

    static Link ensureDevice(DesiredState.VxlanDevice want, Map<String, Link> byName, ReconcileRun run) {
        ReconcileRun.DeviceKey key = new ReconcileRun.DeviceKey(want.name());
        int underlay = 0;
        if (want.underlayInterface() != null) {
            Link u = byName.get(want.underlayInterface());
            if (u == null) {
                run.error("device " + want.name() + ": underlay interface " + want.underlayInterface()
                        + " not found; check the configured/detected underlay interface");
                return byName.get(want.name());
            }
            underlay = u.index();
        }
        Link have = byName.get(want.name());
        if (have != null) {
            String why = incompatibility(want, have, underlay);
            if (why != null) {
                log.warn("recreating vxlan device because it does not match device={} reason={}", want.name(), why);
                run.netlink.deleteLink(have.index());
                run.removed(EntryKind.DEVICE);
                have = null;
            }
        }
        boolean created = false;
        if (have == null) {
            created = true;
            try {
                have = run.netlink.createLink(new LinkSpec.Vxlan(
                        want.name(),
                        want.vni(),
                        want.port(),
                        want.local().toInetAddress(),
                        underlay,
                        want.learning(),
                        want.mtu(),
                        want.mac()));
            } catch (NetlinkException e) {
                if (e.errno() == Errno.EOPNOTSUPP) {
                    throw new NetlinkException(
                            e.errno(),
                            e.request() + " — this kernel has no VXLAN support"
                                    + " (CONFIG_VXLAN / module vxlan); the vxlan datapath cannot work here",
                            e.kernelMessage());
                }
                if (e.isExists()) {
                    throw new NetlinkException(
                            e.errno(),
                            e.request() + " — another device already uses VNI " + want.vni() + " / port " + want.port()
                                    + " or the name; configure another VNI",
                            e.kernelMessage());
                }
                throw e;
            }
            run.changed(EntryKind.DEVICE, run.wasApplied(key));
            log.info(
                    "created vxlan device device={} vni={} port={} local={} mtu={} mac={}",
                    want.name(),
                    want.vni(),
                    want.port(),
                    want.local(),
                    have.mtu(),
                    have.mac());
        }
        LinkUpdate fix = new LinkUpdate(have.index());
        boolean needFix = false;
        if (want.mtu() > 0 && have.mtu() != want.mtu()) {
            fix.mtu(want.mtu());
            needFix = true;
        }
        if (!have.isUp()) {
            fix.up(true);
            needFix = true;
        }
        if (want.mac() != null && !want.mac().equals(have.mac())) {
            try {
                run.netlink.updateLink(new LinkUpdate(have.index()).mac(want.mac()));
            } catch (NetlinkException e) {
                // some kernels refuse a live MAC change: down, change, up
                run.netlink.updateLink(new LinkUpdate(have.index()).up(false));
                run.netlink.updateLink(new LinkUpdate(have.index()).mac(want.mac()));
            }
            needFix = true;
            fix.up(true);
        }
        if (needFix) {
            run.netlink.updateLink(fix);
            if (!created) run.changed(EntryKind.DEVICE, run.wasApplied(key));
            have = run.netlink.link(have.index()).orElse(have);
        }
        run.applied(key);
        return have;
    }

    private static String incompatibility(DesiredState.VxlanDevice want, Link have, int underlay) {
        if (!"vxlan".equals(have.kind()) || have.vxlan() == null) {
            return "it is a " + have.kind() + " device, not vxlan";
        }
        if (have.vxlan().vni() != want.vni()) return "VNI " + have.vxlan().vni() + " != " + want.vni();
        if (have.vxlan().port() != want.port()) return "port " + have.vxlan().port() + " != " + want.port();
        if (have.vxlan().learning() != want.learning())
            return "learning " + have.vxlan().learning();
        InetAddress local = want.local().toInetAddress();
        if (!local.equals(have.vxlan().local())) return "local " + have.vxlan().local() + " != " + want.local();
        if (have.vxlan().underlayIndex() != underlay) {
            return "underlay ifindex " + have.vxlan().underlayIndex() + " != " + underlay;
        }
        return null;
    }

    static void ensureDeviceAddress(DesiredState.VxlanDevice want, Link dev, ReconcileRun run) {
        List<Address> onDev = new ArrayList<>();
        for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
            for (Address a : run.netlink.addresses(family)) {
                if (a.index() == dev.index() && !a.address().isLinkLocalAddress()) onDev.add(a);
            }
        }
        Set<IpAddress> present = new HashSet<>();
        for (Address a : onDev) {
            IpAddress ip = IpAddress.of(a.address());
            if (want.addresses().contains(ip) && a.prefixLength() == ip.bitLength()) {
                present.add(ip);
            } else {
                run.netlink.deleteAddress(a);
                run.removed(EntryKind.ADDRESS);
            }
        }
        for (IpAddress w : want.addresses()) {
            ReconcileRun.AddressKey key = new ReconcileRun.AddressKey(w);
            if (!present.contains(w)) {
                run.netlink.addAddress(Address.of(dev.index(), w.toInetAddress(), w.bitLength()), true);
                run.changed(EntryKind.ADDRESS, run.wasApplied(key));
            }
            run.applied(key);
        }
    }
}
