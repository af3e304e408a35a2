package dev.weft.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cni.CniInvocation;
import dev.weft.cni.Json;
import dev.weft.cni.ProtoMessages;
import dev.weft.cni.proto.CniResponse;
import dev.weft.ipam.addr.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** ADD, CHECK and DEL of a dual-stack pod: one address per family in the result, both verified, both freed. */
class DualStackCniTest {

    /** The IPv4 fake plus an IPv6 address per attachment. */
    static final class DualIpam implements CniIpam {
        final FakeIpam v4 = new FakeIpam("198.18.0.2", 8);
        final Map<Attachment, IpAddress> v6 = new ConcurrentHashMap<>();
        volatile String noSpaceV6;
        int next = 2;

        @Override
        public Allocation allocate(String c, String i) {
            return v4.allocate(c, i);
        }

        @Override
        public synchronized Optional<Allocation> allocateV6(String c, String i) {
            if (noSpaceV6 != null) return Optional.of(new Allocation.NoSpaceYet(noSpaceV6));
            Attachment k = new Attachment(c, i);
            IpAddress have = v6.get(k);
            if (have != null) return Optional.of(new Allocation.Assigned(have, false));
            IpAddress a = IpAddress.parse("2001:db8:18::" + Integer.toHexString(next++));
            v6.put(k, a);
            return Optional.of(new Allocation.Assigned(a, true));
        }

        @Override
        public Optional<IpAddress> lookup(String c, String i) {
            return v4.lookup(c, i);
        }

        @Override
        public Optional<IpAddress> lookupV6(String c, String i) {
            return Optional.ofNullable(v6.get(new Attachment(c, i)));
        }

        @Override
        public boolean release(String c, String i) throws java.io.IOException {
            boolean a = v4.release(c, i);
            boolean b = v6.remove(new Attachment(c, i)) != null;
            return a || b;
        }

        @Override
        public Collection<Attachment> attachments() {
            return v4.attachments();
        }
    }

    final DualIpam ipam = new DualIpam();
    final FakePodNetwork pods = new FakePodNetwork();
    final CniHandler handler = new CniHandler(ipam, pods, Optional::empty, () -> 1410, System::nanoTime);

    CniResponse call(String cmd, String container, String stdin) {
        return handler.handle(ProtoMessages.toProto(new CniInvocation(
                cmd, container, "/run/netns/a", "eth0", "", "/opt/cni/bin", stdin.getBytes(StandardCharsets.UTF_8))));
    }

    static String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"weft\",\"type\":\"weft\"}";
    }

    static Map<String, Object> out(CniResponse r) throws Exception {
        return Json.parseObject(r.getStdout().toStringUtf8());
    }

    @SuppressWarnings("unchecked")
    @Test
    void addReturnsBothAddressesWithTheirLinkLocalGateways() throws Exception {
        Map<String, Object> res = out(call("ADD", "c1", conf("1.1.0")));
        List<Map<String, Object>> ips = (List<Map<String, Object>>) res.get("ips");
        assertThat(ips).extracting(m -> m.get("address")).containsExactly("198.18.0.2/32", "2001:db8:18::2/128");
        assertThat(ips).allSatisfy(ip -> assertThat(ip.get("interface")).isEqualTo(1L));
        List<Map<String, Object>> routes = (List<Map<String, Object>>) res.get("routes");
        assertThat(routes)
                .containsExactly(
                        Map.of("dst", "0.0.0.0/0", "gw", "169.254.1.1"), Map.of("dst", "::/0", "gw", "fe80::1"));
        assertThat(pods.attached.values())
                .singleElement()
                .satisfies(a -> assertThat(a.addressV6()).isEqualTo(IpAddress.parse("2001:db8:18::2")));

        assertThat(call("DEL", "c1", conf("1.1.0")).getExitCode()).isZero();
        Map<String, Object> old = out(call("ADD", "c2", conf("0.4.0")));
        assertThat((List<Map<String, Object>>) old.get("ips"))
                .extracting(m -> m.get("version"))
                .containsExactly("4", "6");
    }

    @Test
    void checkVerifiesBothFamiliesAndDelFreesBoth() throws Exception {
        Map<String, Object> res = out(call("ADD", "c1", conf("1.0.0")));
        String withPrev =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"prevResult\":" + Json.write(res) + "}";
        assertThat(call("CHECK", "c1", withPrev).getExitCode()).isZero();
        CniResponse noV6 = call("CHECK", "c1", withPrev.replace("2001:db8:18::2/128", "2001:db8:18::9/128"));
        assertThat(noV6.getExitCode()).isNotZero();
        assertThat(out(noV6).get("msg").toString()).contains("2001:db8:18::2");

        assertThat(call("DEL", "c1", conf("1.0.0")).getExitCode()).isZero();
        assertThat(ipam.lookup("c1", "eth0")).isEmpty();
        assertThat(ipam.lookupV6("c1", "eth0")).isEmpty();
    }

    @Test
    void noIpv6SpaceYetIsTryAgainLaterAndGivesTheIpv4AddressBack() throws Exception {
        ipam.noSpaceV6 = "asking peers";
        CniResponse r = call("ADD", "c1", conf("1.0.0"));
        assertThat(out(r).get("code")).isEqualTo(11L);
        assertThat(out(r).get("msg").toString()).contains("IPv6");
        assertThat(ipam.lookup("c1", "eth0"))
                .as("the IPv4 address was released")
                .isEmpty();
        assertThat(pods.attached).isEmpty();
    }
}
