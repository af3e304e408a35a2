package dev.weft.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --cluster-range} and {@code --pod-cidr} with one CIDR per family; the IPv6 block size. */
class DualStackOptionsTest {

    private static AgentConfig parse(String... args) {
        AgentOptions o = new AgentOptions();
        CommandLine cl = new CommandLine(new Holder(o));
        cl.setDefaultValueProvider(new ConfigSources(Map.of(), null));
        String[] all = new String[args.length + 4];
        all[0] = "--node-name";
        all[1] = "node-1";
        all[2] = "--encryption";
        all[3] = "disabled";
        System.arraycopy(args, 0, all, 4, args.length);
        cl.parseArgs(all);
        return o.toConfig();
    }

    @CommandLine.Command(name = "t")
    static final class Holder {
        @CommandLine.Mixin
        AgentOptions options;

        Holder(AgentOptions o) {
            this.options = o;
        }
    }

    @Test
    void singleStackIpv4IsTheDefault() {
        AgentConfig c = parse();
        assertThat(c.dualStack()).isFalse();
        assertThat(c.clusterRange()).isEqualTo("10.32.0.0/12");
        assertThat(c.clusterRangeV6()).isNull();
        assertThat(c.blockSize()).isEqualTo(64);
        assertThat(c.blockSizeV6()).as("documented IPv6 default: a /120").isEqualTo(256);
    }

    @Test
    void oneIpv4AndOneIpv6CidrMakeADualStackCluster() {
        AgentConfig c = parse("--cluster-range", "10.32.0.0/12,fd00:10:32::/48");
        assertThat(c.dualStack()).isTrue();
        assertThat(c.clusterRange()).isEqualTo("10.32.0.0/12");
        assertThat(c.clusterRangeV6()).isEqualTo("fd00:10:32::/48");
        assertThat(c.blockSize()).isEqualTo(64);
        assertThat(c.blockSizeV6()).isEqualTo(256);
    }

    @Test
    void orderDoesNotMatterTheIpv4RangeIsPrimary() {
        AgentConfig c = parse("--cluster-range", " fd00:10:32::/48 , 10.32.0.0/12 ", "--block-size-v6", "1024");
        assertThat(c.clusterRange()).isEqualTo("10.32.0.0/12");
        assertThat(c.clusterRangeV6()).isEqualTo("fd00:10:32::/48");
        assertThat(c.blockSizeV6()).isEqualTo(1024);
    }

    @Test
    void singleStackIpv6UsesTheIpv6BlockSize() {
        AgentConfig c = parse("--cluster-range", "fd00:10:32::/48", "--block-size-v6", "128");
        assertThat(c.dualStack()).isFalse();
        assertThat(c.clusterRange()).isEqualTo("fd00:10:32::/48");
        assertThat(c.blockSize())
                .as("the primary ring is IPv6: its block is --block-size-v6")
                .isEqualTo(128);
    }

    @Test
    void twoCidrsOfOneFamilyAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse("--cluster-range", "10.32.0.0/12,10.64.0.0/12"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--cluster-range")
                .hasMessageContaining("at most one CIDR per address family");
        assertThatThrownBy(() -> parse("--cluster-range", "10.32.0.0/12,fd00::/48,fd01::/48"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("one IPv4 and one IPv6 CIDR");
        assertThatThrownBy(() -> parse("--cluster-range", "10.32.0.0/12,fd00::"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing /prefix");
    }

    @Test
    void badIpv6BlockSizeIsRefused() {
        assertThatThrownBy(() -> parse("--block-size-v6", "100"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--block-size-v6")
                .hasMessageContaining("WEFT_BLOCK_SIZE_V6");
    }

    @Test
    void podCidrModeTakesOneCidrPerFamilyLikeTheClusterRange() {
        AgentConfig c = parse(
                "--cluster-range",
                "10.32.0.0/12,fd00:10:32::/48",
                "--ipam-mode",
                "podcidr",
                "--pod-cidr",
                "10.32.1.0/24,fd00:10:32:1::/64");
        assertThat(c.podCidr()).isEqualTo("10.32.1.0/24");
        assertThat(c.podCidrV6()).isEqualTo("fd00:10:32:1::/64");
        assertThatThrownBy(() -> parse(
                        "--cluster-range",
                        "10.32.0.0/12,fd00:10:32::/48",
                        "--ipam-mode",
                        "podcidr",
                        "--pod-cidr",
                        "10.32.1.0/24"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("same address families");
    }
}
