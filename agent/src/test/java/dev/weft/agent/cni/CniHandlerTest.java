package dev.weft.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cni.CniInvocation;
import dev.weft.cni.Json;
import dev.weft.cni.ProtoMessages;
import dev.weft.cni.proto.CniResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CniHandlerTest {

    final FakeIpam ipam = new FakeIpam("198.18.0.2", 8);
    final FakePodNetwork pods = new FakePodNetwork();
    final AtomicReference<String> notReady = new AtomicReference<>();
    final CniHandler handler =
            new CniHandler(ipam, pods, () -> Optional.ofNullable(notReady.get()), () -> 1410, System::nanoTime);

    static String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"weft\",\"type\":\"weft\"}";
    }

    CniResponse call(String cmd, String container, String netns, String stdin) {
        return handler.handle(ProtoMessages.toProto(new CniInvocation(
                cmd,
                container,
                netns,
                "eth0",
                "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p",
                "/opt/cni/bin",
                stdin.getBytes(StandardCharsets.UTF_8))));
    }

    static Map<String, Object> out(CniResponse r) throws Exception {
        return Json.parseObject(r.getStdout().toStringUtf8());
    }

    static long code(CniResponse r) throws Exception {
        assertThat(r.getExitCode()).as("exit status of an error").isNotZero();
        return (Long) out(r).get("code");
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @ValueSource(strings = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
    void addAnswersInTheRequestedVersionsFormat(String version) throws Exception {
        CniResponse r = call("ADD", "c1", "/run/netns/a", conf(version));
        assertThat(r.getExitCode()).isZero();
        Map<String, Object> res = out(r);
        assertThat(res.get("cniVersion")).isEqualTo(version);
        List<Map<String, Object>> ips = (List<Map<String, Object>>) res.get("ips");
        assertThat(ips).hasSize(1);
        assertThat(ips.get(0).get("address")).isEqualTo("198.18.0.2/32");
        assertThat(ips.get(0).get("interface")).isEqualTo(1L);
        if (version.startsWith("0.")) {
            assertThat(ips.get(0).get("version")).isEqualTo("4");
        } else {
            assertThat(ips.get(0)).doesNotContainKey("version");
        }
        List<Map<String, Object>> ifs = (List<Map<String, Object>>) res.get("interfaces");
        assertThat(ifs.get(1)).containsEntry("name", "eth0").containsEntry("sandbox", "/run/netns/a");
        if (version.equals("1.1.0")) {
            assertThat(ifs.get(1)).containsEntry("mtu", 1410L);
        } else {
            assertThat(ifs.get(1)).doesNotContainKey("mtu");
        }
        assertThat((List<Object>) res.get("routes")).containsExactly(Map.of("dst", "0.0.0.0/0", "gw", "169.254.1.1"));
        assertThat(pods.attached).hasSize(1);
        assertThat(pods.attached.values().iterator().next().mtu()).isEqualTo(1410);
    }

    @SuppressWarnings("unchecked")
    @Test
    void chainedAddKeepsThePreviousResult() throws Exception {
        String prev = "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"lo\"}],"
                + "\"ips\":[{\"address\":\"198.19.0.9/32\",\"interface\":0}],\"dns\":{\"nameservers\":[\"198.19.0.53\"]}}";
        String c = "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"prevResult\":" + prev + "}";
        Map<String, Object> res = out(call("ADD", "c1", "/run/netns/a", c));
        List<Map<String, Object>> ips = (List<Map<String, Object>>) res.get("ips");
        assertThat(ips).extracting(m -> m.get("address")).containsExactly("198.19.0.9/32", "198.18.0.2/32");
        assertThat(ips.get(1).get("interface")).isEqualTo(2L);
        assertThat(((List<Object>) res.get("interfaces"))).hasSize(3);
        assertThat(res.get("dns")).isEqualTo(Map.of("nameservers", List.of("198.19.0.53")));
    }

    @Test
    void addWhileNotReadyOrWithoutSpaceSaysTryAgainLaterAndLeavesNothing() throws Exception {
        notReady.set("joining the cluster");
        CniResponse r = call("ADD", "c1", "/run/netns/a", conf("1.0.0"));
        assertThat(code(r)).isEqualTo(11);
        assertThat(out(r).get("msg").toString()).contains("joining the cluster");
        notReady.set(null);
        ipam.noSpaceReason = "waiting for a range from peers";
        assertThat(code(call("ADD", "c1", "/run/netns/a", conf("1.0.0")))).isEqualTo(11);
        assertThat(pods.attached).isEmpty();
        assertThat(ipam.allocated()).isZero();
        assertThat(handler.stats().snapshot().notReady()).isEqualTo(2);
    }

    @Test
    void aFullClusterRangeIsSaidInTheErrorWithWhatToDo() throws Exception {
        ipam.noSpaceReason = "all 32 addresses owned by this node are in use; it has asked a peer for more";
        ipam.shortage = "the cluster range 198.18.0.0/26 is full: 64 of 64 addresses in use (100 %)";
        ipam.whatToDo = "delete pods that are no longer needed";
        CniResponse r = call("ADD", "c1", "/run/netns/a", conf("1.0.0"));
        assertThat(code(r)).isEqualTo(11);
        assertThat(out(r).get("msg").toString())
                .startsWith("no pod address available on this node: all 32 addresses")
                .contains("is full: 64 of 64 addresses in use");
        assertThat(out(r).get("details").toString())
                .contains("delete pods that are no longer needed")
                .doesNotContain("still obtaining");
        assertThat(pods.attached).isEmpty();
    }

    @Test
    void statusReportsReadinessOnlyFrom110() throws Exception {
        assertThat(call("STATUS", null, null, conf("1.1.0")).getExitCode()).isZero();
        notReady.set("no ring yet");
        assertThat(code(call("STATUS", null, null, conf("1.1.0")))).isEqualTo(50);
        assertThat(code(call("STATUS", null, null, conf("1.0.0")))).isEqualTo(1);
    }

    @Test
    void secondAddOfTheSameInterfaceFailsButKeepsTheFirstAddress() throws Exception {
        assertThat(call("ADD", "c1", "/run/netns/a", conf("1.0.0")).getExitCode())
                .isZero();
        assertThat(code(call("ADD", "c1", "/run/netns/a", conf("1.0.0")))).isEqualTo(100);
        assertThat(ipam.lookup("c1", "eth0")).isPresent();
    }

    @Test
    void failedAddReleasesTheAddressItTook() throws Exception {
        pods.failNextAttach = new PodNetworkException(PodNetworkException.Kind.KERNEL, "EPERM");
        assertThat(code(call("ADD", "c1", "/run/netns/a", conf("1.0.0")))).isEqualTo(103);
        assertThat(ipam.allocated()).isZero();
        pods.failNextAttach = new PodNetworkException(PodNetworkException.Kind.NETNS_NOT_FOUND, "gone");
        assertThat(code(call("ADD", "c1", "/run/netns/a", conf("1.0.0")))).isEqualTo(3);
        assertThat(ipam.allocated()).isZero();
    }

    @Test
    void delReleasesAndIsIdempotentAlsoWithEmptyNetns() throws Exception {
        call("ADD", "c1", "/run/netns/a", conf("0.4.0"));
        assertThat(call("DEL", "c1", "/run/netns/a", conf("0.4.0")).getExitCode())
                .isZero();
        assertThat(ipam.allocated()).isZero();
        assertThat(call("DEL", "c1", "/run/netns/a", conf("0.4.0")).getExitCode())
                .isZero();
        call("ADD", "c2", "/run/netns/b", conf("1.0.0"));
        CniResponse r = call("DEL", "c2", "", conf("1.0.0"));
        assertThat(r.getExitCode()).isZero();
        assertThat(r.getStdout().isEmpty()).isTrue();
        assertThat(ipam.allocated()).isZero();
        assertThat(call("DEL", "never-added", null, conf("1.1.0")).getExitCode())
                .isZero();
    }

    @Test
    void delReleasesEvenWhenTheKernelRefusesButReportsTheFailure() throws Exception {
        call("ADD", "c1", "/run/netns/a", conf("1.0.0"));
        PodNetwork failing = new PodNetwork() {
            public Attached attach(Attach r) {
                throw new AssertionError();
            }

            public void detach(String c, String n, String i) throws PodNetworkException {
                throw new PodNetworkException(PodNetworkException.Kind.KERNEL, "EBUSY");
            }

            public void check(Attach r) {}

            public String hostIfName(String c, String i) {
                return "x";
            }
        };
        CniHandler h = new CniHandler(ipam, failing, CniReadiness.alwaysReady(), () -> 1500, System::nanoTime);
        CniResponse r = h.handle(ProtoMessages.toProto(new CniInvocation(
                "DEL", "c1", "/run/netns/a", "eth0", null, "/x", conf("1.0.0").getBytes(StandardCharsets.UTF_8))));
        assertThat(code(r)).isEqualTo(103);
        assertThat(ipam.allocated()).isZero();
    }

    @Test
    void checkVerifiesAllocationPlumbingAndPrevResult() throws Exception {
        Map<String, Object> res = out(call("ADD", "c1", "/run/netns/a", conf("1.0.0")));
        String withPrev =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"weft\",\"type\":\"weft\",\"prevResult\":" + Json.write(res) + "}";
        assertThat(call("CHECK", "c1", "/run/netns/a", withPrev).getExitCode()).isZero();
        String wrongPrev = withPrev.replace("198.18.0.2/32", "198.18.0.7/32");
        assertThat(code(call("CHECK", "c1", "/run/netns/a", wrongPrev))).isEqualTo(102);
        pods.attached.clear();
        assertThat(code(call("CHECK", "c1", "/run/netns/a", withPrev))).isEqualTo(102);
        assertThat(code(call("CHECK", "c9", "/run/netns/z", conf("1.0.0")))).isEqualTo(3);
        assertThat(code(call("CHECK", "c1", "/run/netns/a", conf("0.3.1")))).isEqualTo(1);
    }

    @Test
    void gcReleasesOnlyAttachmentsNotListedAsValid() throws Exception {
        call("ADD", "keep", "/run/netns/a", conf("1.1.0"));
        call("ADD", "stale1", "/run/netns/b", conf("1.1.0"));
        call("ADD", "stale2", "/run/netns/c", conf("1.1.0"));
        String gc = "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft\","
                + "\"cni.dev/valid-attachments\":[{\"containerID\":\"keep\",\"ifname\":\"eth0\"}]}";
        assertThat(call("GC", null, null, gc).getExitCode()).isZero();
        assertThat(ipam.attachments()).containsExactly(new CniIpam.Attachment("keep", "eth0"));
        assertThat(pods.detached).containsExactlyInAnyOrder("stale1/eth0", "stale2/eth0");
        assertThat(code(call("GC", null, null, gc.replace("1.1.0", "1.0.0")))).isEqualTo(1);
        assertThat(code(call("GC", null, null, conf("1.1.0")))).isEqualTo(7);
        assertThat(code(call("GC", null, null, gc.replace("\"ifname\":\"eth0\"", "\"ifname\":5"))))
                .isEqualTo(7);
    }

    @Test
    void gcLeavesAnAttachmentWhoseAddIsStillInFlight() throws Exception {
        CountDownLatch inAttach = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        pods.onAttach = a -> {
            if (a.containerId().equals("slow")) {
                inAttach.countDown();
                try {
                    finish.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<CniResponse> add = ex.submit(() -> call("ADD", "slow", "/run/netns/s", conf("1.1.0")));
            assertThat(inAttach.await(10, TimeUnit.SECONDS)).isTrue();
            String gc =
                    "{\"cniVersion\":\"1.1.0\",\"name\":\"weft\",\"type\":\"weft\",\"cni.dev/valid-attachments\":[]}";
            assertThat(call("GC", null, null, gc).getExitCode()).isZero();
            assertThat(ipam.lookup("slow", "eth0"))
                    .as("in-flight ADD keeps its address")
                    .isPresent();
            finish.countDown();
            assertThat(add.get(10, TimeUnit.SECONDS).getExitCode()).isZero();
            assertThat(call("GC", null, null, gc).getExitCode()).isZero();
            assertThat(ipam.lookup("slow", "eth0"))
                    .as("released by the next GC")
                    .isEmpty();
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void badInputGetsTheRightCode() throws Exception {
        assertThat(code(call("ADD", "c1", "/run/netns/a", "{\"cniVersion\":"))).isEqualTo(6);
        assertThat(code(call("ADD", "c1", "/run/netns/a", "[1,2]"))).isEqualTo(6);
        assertThat(code(call("ADD", "c1", "/run/netns/a", ""))).isEqualTo(6);
        assertThat(code(call("ADD", "c1", "/run/netns/a", "{\"name\":\"weft\",\"type\":\"weft\"}")))
                .isEqualTo(7);
        assertThat(code(call("ADD", "c1", "/run/netns/a", conf("0.2.0")))).isEqualTo(1);
        assertThat(code(call("ADD", "c1", "/run/netns/a", "{\"cniVersion\":\"1.0.0\",\"type\":\"weft\"}")))
                .isEqualTo(7);
        assertThat(code(call(
                        "ADD", "c1", "/run/netns/a", "{\"cniVersion\":\"1.0.0\",\"name\":\"-bad\",\"type\":\"weft\"}")))
                .isEqualTo(7);
        assertThat(
                        code(
                                call(
                                        "ADD",
                                        "c1",
                                        "/run/netns/a",
                                        "{\"cniVersion\":\"1.0.0\",\"name\":\"w\",\"type\":\"weft\",\"ipam\":{\"type\":\"host-local\"}}")))
                .isEqualTo(2);
        assertThat(code(call("ADD", null, "/run/netns/a", conf("1.0.0")))).isEqualTo(4);
        assertThat(code(call("ADD", "c1", "", conf("1.0.0")))).isEqualTo(4);
        assertThat(code(call("ADD", "c/1", "/run/netns/a", conf("1.0.0")))).isEqualTo(4);
        assertThat(code(call("FROB", "c1", "/run/netns/a", conf("1.0.0")))).isEqualTo(4);
        assertThat(code(handler.handle(ProtoMessages.toProto(new CniInvocation(
                        "ADD",
                        "c1",
                        "/n",
                        "this-name-is-too-long",
                        null,
                        "/x",
                        conf("1.0.0").getBytes(StandardCharsets.UTF_8))))))
                .isEqualTo(4);
        assertThat(ipam.allocated()).isZero();
        assertThat(pods.attached).isEmpty();
    }

    @Test
    void aWrongProtocolVersionIsRefusedByName() throws Exception {
        CniResponse r = handler.handle(ProtoMessages.toProto(new CniInvocation(
                        "ADD", "c1", "/n", "eth0", null, "/x", conf("1.0.0").getBytes(StandardCharsets.UTF_8)))
                .toBuilder()
                .setProtocolVersion(99)
                .build());
        assertThat(code(r)).isEqualTo(101);
        assertThat(out(r).get("msg").toString()).contains("99");
    }

    @Test
    void differentContainersRunInParallelTheSameContainerOneAtATime() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInsideSame = new AtomicInteger();
        pods.onAttach = a -> {
            inside.incrementAndGet();
            bothInside.countDown();
            try {
                bothInside.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
        };
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<CniResponse> a = ex.submit(() -> call("ADD", "ca", "/run/netns/a", conf("1.0.0")));
            Future<CniResponse> b = ex.submit(() -> call("ADD", "cb", "/run/netns/b", conf("1.0.0")));
            assertThat(a.get(10, TimeUnit.SECONDS).getExitCode()).isZero();
            assertThat(b.get(10, TimeUnit.SECONDS).getExitCode()).isZero();
            assertThat(bothInside.getCount())
                    .as("both containers were in attach at the same time")
                    .isZero();

            // Same container, different interfaces: must never overlap.
            AtomicInteger concurrent = new AtomicInteger();
            pods.onAttach = x -> {
                int n = concurrent.incrementAndGet();
                maxInsideSame.accumulateAndGet(n, Math::max);
                long until = System.nanoTime() + 20_000_000L;
                while (System.nanoTime() < until) Thread.onSpinWait();
                concurrent.decrementAndGet();
            };
            List<Future<CniResponse>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String ifn = "net" + i;
                fs.add(ex.submit(() -> handler.handle(ProtoMessages.toProto(new CniInvocation(
                        "ADD",
                        "same",
                        "/run/netns/s",
                        ifn,
                        null,
                        "/x",
                        conf("1.0.0").getBytes(StandardCharsets.UTF_8))))));
            }
            for (Future<CniResponse> f : fs)
                assertThat(f.get(10, TimeUnit.SECONDS).getExitCode()).isZero();
            assertThat(maxInsideSame.get()).isEqualTo(1);
        } finally {
            ex.shutdownNow();
        }
    }
}
