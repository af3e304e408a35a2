package dev.weft.k8s.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Parses k8s/deploy into fabric8 model objects and checks what the DaemonSet and RBAC must guarantee. */
class ManifestsTest {
    private static List<HasMetadata> objects;
    private static DaemonSet ds;
    private static PodSpec pod;
    private static Container agent;
    private static Container init;

    @BeforeAll
    static void load() throws Exception {
        objects = Manifests.all();
        ds = one(DaemonSet.class, "weft");
        pod = ds.getSpec().getTemplate().getSpec();
        agent = pod.getContainers().getFirst();
        init = pod.getInitContainers().getFirst();
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = objects.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .toList();
        assertThat(found).as("%s %s", type.getSimpleName(), name).hasSize(1);
        return found.getFirst();
    }

    @Test
    void everyDocumentIsAKnownObjectWithNoUnknownFields() throws Exception {
        assertThat(objects)
                .extracting(o ->
                        o.getClass().getSimpleName() + "/" + o.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        "Namespace/weft",
                        "ServiceAccount/weft",
                        "ClusterRole/weft",
                        "ClusterRoleBinding/weft",
                        "Role/weft",
                        "RoleBinding/weft",
                        "ConfigMap/weft-config",
                        "ConfigMap/weft-cni",
                        "DaemonSet/weft");
        for (HasMetadata o : objects) {
            assertThat(Manifests.unknownFields(o))
                    .as("unknown (misspelled?) fields in %s", o.getMetadata().getName())
                    .isEmpty();
            if (!(o instanceof Namespace) && !(o instanceof ClusterRole) && !(o instanceof ClusterRoleBinding)) {
                assertThat(o.getMetadata().getNamespace())
                        .as(o.getMetadata().getName())
                        .isEqualTo("weft");
            }
        }
        // The example secret parses too, but is not applied by kustomize.
        assertThat(Manifests.load("secret.example.yaml")).hasSize(1);
        assertThat(Manifests.kustomizationResources()).doesNotContain("secret.example.yaml");
    }

    @Test
    void unknownFieldDetectionWorks() {
        Object bad = Manifests.SERIALIZATION.unmarshal("""
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: x}
                spec:
                  template:
                    spec:
                      hostNetwrok: true
                      containers: [{name: c, image: i}]
                """);
        assertThat(Manifests.unknownFields(bad)).containsExactly(".Spec.Template.Spec.hostNetwrok");
    }

    @Test
    void daemonSetRunsOnEveryNodeInTheHostNetwork() {
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getServiceAccountName()).isEqualTo("weft");
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isNull();
        });
        assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(ds.getSpec().getSelector().getMatchLabels());
        assertThat(init.getImage()).isEqualTo(agent.getImage());
    }

    @Test
    void probesAndMetricsUsePort6772() {
        assertProbe(agent.getLivenessProbe(), "/healthz");
        assertProbe(agent.getReadinessProbe(), "/readyz");
        assertThat(agent.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(6772);
        Map<String, String> ann = ds.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(ann)
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "6772")
                .containsEntry("prometheus.io/path", "/metrics");
        assertThat(env("WEFT_HTTP_ADDRESS").getValue()).endsWith(":6772");
    }

    private static void assertProbe(Probe p, String path) {
        assertThat(p.getHttpGet().getPath()).isEqualTo(path);
        assertThat(p.getHttpGet().getPort().getIntVal()).isEqualTo(6772);
    }

    @Test
    void agentHasOnlyTheCapabilitiesItNeeds() {
        var sc = agent.getSecurityContext();
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW", "SYS_ADMIN");
        assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactly("DAC_OVERRIDE");
        assertThat(agent.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(agent.getResources().getLimits()).containsKey("memory");
    }

    @Test
    void hostPathsAreMountedWhereTheyAreUsed() {
        assertThat(hostPath("cni-bin")).isEqualTo("/opt/cni/bin");
        assertThat(hostPath("cni-conf")).isEqualTo("/etc/cni/net.d");
        assertThat(hostPath("state")).isEqualTo("/var/lib/weft");
        assertThat(hostPath("run")).isEqualTo("/run/weft");
        assertThat(hostPath("netns")).isEqualTo("/var/run/netns");
        assertThat(mount(agent, "state").getMountPath())
                .isEqualTo(env("WEFT_STATE_DIR").getValue());
        assertThat(mount(agent, "run").getMountPath())
                .isEqualTo(env("WEFT_RUN_DIR").getValue());
        assertThat(mount(agent, "netns").getMountPath()).isEqualTo("/var/run/netns");
        assertThat(mount(agent, "netns").getMountPropagation()).isEqualTo("HostToContainer");
        assertThat(mount(init, "cni-bin").getMountPath()).isEqualTo(initEnv("WEFT_CNI_BIN_DIR"));
        assertThat(mount(init, "cni-conf").getMountPath()).isEqualTo(initEnv("WEFT_CNI_CONF_DIR"));
        assertThat(init.getCommand()).containsExactly("/opt/weft/bin/install-cni");
        assertThat(initEnv("WEFT_CNI_CONFLIST"))
                .startsWith(mount(init, "cni-config").getMountPath() + "/");
        Volume secret = volume("secret");
        assertThat(secret.getSecret().getSecretName()).isEqualTo("weft-secret");
        assertThat(secret.getSecret().getOptional())
                .as("the secret is required (encryption is on by default)")
                .isFalse();
    }

    @Test
    void nodeNameComesFromTheDownwardApiAndSettingsFromTheConfigMap() {
        assertThat(env("NODE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        assertThat(env("WEFT_NODE_NAME").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("spec.nodeName");
        assertThat(env("WEFT_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.namespace");
        assertThat(agent.getEnvFrom())
                .anySatisfy(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("weft-config"));

        ConfigMap cfg = one(ConfigMap.class, "weft-config");
        assertThat(cfg.getData())
                .containsKeys("WEFT_CLUSTER_RANGE", "WEFT_BLOCK_SIZE", "WEFT_MTU", "WEFT_DATAPATH", "WEFT_LOG_FORMAT");
        assertThat(cfg.getData().keySet()).allMatch(k -> k.matches("WEFT_[A-Z0-9_]+"));
        assertThat(cfg.getData().get("WEFT_CLUSTER_RANGE")).isEqualTo("10.32.0.0/12");
        // The agent's own settings are read by dev.weft.k8s.K8sConfig from the same variables.
        var k8s = dev.weft.k8s.K8sConfig.fromEnvironment(Map.of(
                "WEFT_NODE_NAME",
                "n",
                "WEFT_NODE_ADDRESS_PREFERENCE",
                cfg.getData().get("WEFT_NODE_ADDRESS_PREFERENCE")));
        assertThat(k8s.addressPreference()).isNotNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void conflistIsValidJsonAndPointsAtTheMountedSocket() {
        String conflist = one(ConfigMap.class, "weft-cni").getData().get("10-weft.conflist");
        Map<String, Object> c = Serialization.unmarshal(conflist, Map.class);
        assertThat(c.get("name")).isEqualTo("weft");
        // containerd 1.6 (Kubernetes 1.20-era runtimes) refuses results of CNI 1.1.0; see cni-config.yaml
        assertThat(c.get("cniVersion")).isEqualTo("0.4.0");
        List<Map<String, Object>> plugins = (List<Map<String, Object>>) c.get("plugins");
        assertThat(plugins.getFirst()).containsEntry("type", "weft");
        String socket = (String) plugins.getFirst().get("agentSocket");
        assertThat(socket).startsWith(mount(agent, "run").getMountPath() + "/");
        assertThat(plugins.getFirst()).doesNotContainKey("ipam");
    }

    @Test
    void rbacHasNoWildcardsAndBindsTheServiceAccount() {
        ClusterRole cr = one(ClusterRole.class, "weft");
        Role role = one(Role.class, "weft");
        Stream.concat(cr.getRules().stream(), role.getRules().stream()).forEach(r -> {
            assertThat(r.getVerbs()).doesNotContain("*");
            assertThat(r.getResources()).doesNotContain("*").allMatch(s -> !s.endsWith("/*"));
            assertThat(r.getApiGroups()).doesNotContain("*");
        });
        assertThat(cr.getRules()).flatExtracting(PolicyRule::getResources).containsOnly("nodes", "nodes/status");
        assertThat(role.getRules()).flatExtracting(PolicyRule::getResources).containsOnly("configmaps", "leases");

        ServiceAccount sa = one(ServiceAccount.class, "weft");
        ClusterRoleBinding crb = one(ClusterRoleBinding.class, "weft");
        RoleBinding rb = one(RoleBinding.class, "weft");
        assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(crb.getRoleRef().getName()).isEqualTo(cr.getMetadata().getName());
        assertThat(rb.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(rb.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        for (var subjects : List.of(crb.getSubjects(), rb.getSubjects())) {
            assertThat(subjects).singleElement().satisfies(s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
                assertThat(s.getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
            });
        }
    }

    private static EnvVar env(String name) {
        return agent.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("agent has no env " + name));
    }

    private static String initEnv(String name) {
        return init.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("init container has no env " + name))
                .getValue();
    }

    private static Volume volume(String name) {
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static String hostPath(String volume) {
        return Optional.ofNullable(volume(volume).getHostPath()).orElseThrow().getPath();
    }

    private static VolumeMount mount(Container c, String volume) {
        return c.getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume))
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " does not mount " + volume));
    }
}
