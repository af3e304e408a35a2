package dev.weft.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.k8s.discovery.AddressPreference;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class K8sConfigTest {

    @Test
    void readsEnvironmentWithDefaults() {
        K8sConfig c = K8sConfig.fromEnvironment(Map.of("WEFT_NODE_NAME", "node-1.example"));
        assertThat(c.nodeName()).isEqualTo("node-1.example");
        assertThat(c.namespace()).isEqualTo("weft");
        assertThat(c.addressPreference()).isEqualTo(AddressPreference.INTERNAL_FIRST);
        assertThat(c.reclaimClaimTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void readsEveryVariable() {
        K8sConfig c = K8sConfig.fromEnvironment(Map.of(
                "WEFT_NODE_NAME",
                "n1",
                "WEFT_NAMESPACE",
                "kube-system",
                "WEFT_NODE_ADDRESS_PREFERENCE",
                "external-first",
                "WEFT_NODE_RESYNC",
                "30s",
                "WEFT_BOOTSTRAP_NAME",
                "my-ring",
                "WEFT_RECLAIM_CLAIM_TIMEOUT",
                "PT90S",
                "WEFT_RECLAIM_RETENTION",
                "2d"));
        assertThat(c)
                .isEqualTo(new K8sConfig(
                        "n1",
                        "kube-system",
                        AddressPreference.EXTERNAL_FIRST,
                        Duration.ofSeconds(30),
                        "my-ring",
                        Duration.ofSeconds(90),
                        Duration.ofDays(2)));
    }

    @Test
    void namesEveryBadSetting() {
        assertThatThrownBy(() -> K8sConfig.fromEnvironment(Map.of("WEFT_NAMESPACE", "Bad_NS")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WEFT_NODE_NAME")
                .hasMessageContaining("WEFT_NAMESPACE");
        assertThatThrownBy(() -> K8sConfig.fromEnvironment(Map.of("WEFT_NODE_NAME", "n", "WEFT_NODE_RESYNC", "soon")))
                .hasMessageContaining("WEFT_NODE_RESYNC=soon");
        assertThatThrownBy(() -> K8sConfig.fromEnvironment(
                        Map.of("WEFT_NODE_NAME", "n", "WEFT_NODE_ADDRESS_PREFERENCE", "ipv6")))
                .hasMessageContaining("internal-first");
    }

    @Test
    void peerIdRules() {
        assertThat(WeftKeys.isValidPeerId("0123456789abcdef")).isTrue();
        assertThat(WeftKeys.isValidPeerId("0123456789ABCDEF")).isFalse();
        assertThat(WeftKeys.isValidPeerId("")).isFalse();
        assertThat(WeftKeys.isValidPeerId("-ab")).isFalse();
        assertThat(WeftKeys.isValidPeerId("a".repeat(51))).isFalse();
    }
}
