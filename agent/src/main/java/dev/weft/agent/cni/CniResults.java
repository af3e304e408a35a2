package dev.weft.agent.cni;

import dev.weft.agent.api.AgentJson;
import dev.weft.cni.CniVersions;
import dev.weft.datapath.pod.PodGateway;
import dev.weft.ipam.addr.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds ADD results in the format of the requested CNI version (0.3.0 to 1.1.0), merged into the
 * previous plugin's result when Weft is not first in a chain.
 *
 * <p>Differences handled: before 1.0.0 each IP carries {@code "version": "4"|"6"}; from 1.1.0 an
 * interface may carry its {@code mtu}. The pod's route is the default route via the link-local gateway.
 */
public final class CniResults {

    /** The link-local next hop every pod uses (DESIGN §5). */
    public static final String GATEWAY_V4 = "169.254.1.1";

    private CniResults() {}

    /** A single-stack result. */
    public static Map<String, Object> addResult(
            CniNetConf conf, String netns, PodNetwork.Attached att, IpAddress address) {
        return addResult(conf, netns, att, address, null);
    }

    /**
     * With {@code addressV6} (a dual-stack pod, else null): one IP per family on the pod interface and one default
     * route per family via its link-local gateway ({@code 169.254.1.1}, {@code fe80::1}).
     */
    public static Map<String, Object> addResult(
            CniNetConf conf, String netns, PodNetwork.Attached att, IpAddress address, IpAddress addressV6) {
        String v = conf.cniVersion();
        List<Object> interfaces = new ArrayList<>();
        List<Object> ips = new ArrayList<>();
        List<Object> routes = new ArrayList<>();
        Object dns = conf.dns();
        Map<String, Object> prev = conf.prevResult();
        if (prev != null) {
            if (prev.get("interfaces") instanceof List<?> l) interfaces.addAll(l);
            if (prev.get("ips") instanceof List<?> l) ips.addAll(l);
            if (prev.get("routes") instanceof List<?> l) routes.addAll(l);
            if (prev.get("dns") instanceof Map<?, ?> d && !d.isEmpty()) dns = d;
        }
        interfaces.add(AgentJson.obj("name", att.hostIfName(), "mac", att.hostMac()));
        boolean withMtu = CniVersions.atLeast(v, "1.1.0");
        interfaces.add(AgentJson.obj(
                "name",
                att.podIfName(),
                "mac",
                att.podMac(),
                "sandbox",
                netns,
                "mtu",
                withMtu ? (Object) att.mtu() : null));
        int podIndex = interfaces.size() - 1;
        for (IpAddress a : addressV6 == null ? List.of(address) : List.of(address, addressV6)) {
            PodGateway gw = PodGateway.of(a);
            ips.add(AgentJson.obj(
                    "version",
                    CniVersions.atLeast(v, "1.0.0") ? null : (gw.ipv6() ? "6" : "4"),
                    "interface",
                    podIndex,
                    "address",
                    a + "/" + gw.hostPrefix()));
            routes.add(AgentJson.obj("dst", gw.defaultDestination(), "gw", gw.text()));
        }
        Map<String, Object> result = AgentJson.obj("cniVersion", v, "interfaces", interfaces, "ips", ips);
        if (!routes.isEmpty()) result.put("routes", routes);
        if (dns instanceof Map<?, ?> d && !d.isEmpty()) result.put("dns", d);
        return result;
    }

    /** Whether a previous result (CHECK/DEL) lists {@code address} on an interface named {@code ifName}. */
    public static boolean listsAddress(Map<String, Object> prev, String ifName, String netns, IpAddress address) {
        if (!(prev.get("ips") instanceof List<?> ips)) return false;
        List<?> ifs = prev.get("interfaces") instanceof List<?> l ? l : List.of();
        String want = address.toString() + "/";
        for (Object o : ips) {
            if (!(o instanceof Map<?, ?> ip) || !(ip.get("address") instanceof String a) || !a.startsWith(want))
                continue;
            if (ip.get("interface") instanceof Long idx
                    && idx >= 0
                    && idx < ifs.size()
                    && ifs.get(idx.intValue()) instanceof Map<?, ?> itf) {
                if (ifName.equals(itf.get("name"))) return true;
            } else {
                return true; // no interface index: the address alone has to do
            }
        }
        return false;
    }
}
