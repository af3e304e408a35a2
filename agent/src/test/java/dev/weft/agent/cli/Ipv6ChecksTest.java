package dev.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.cli.DoctorCommand.Check;
import dev.weft.agent.cli.DoctorCommand.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ipv6ChecksTest {
    static Path proc(Path dir, String disabled, String forwarding) throws Exception {
        Path conf = dir.resolve("sys/net/ipv6/conf/all");
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("disable_ipv6"), disabled + "\n");
        Files.writeString(conf.resolve("forwarding"), forwarding + "\n");
        return dir;
    }

    @Test
    void aDualStackNodeNeedsIpv6AndForwarding(@TempDir Path dir) throws Exception {
        assertThat(Ipv6Checks.of(proc(dir, "0", "1"), true))
                .extracting(Check::status)
                .containsExactly(Status.OK, Status.OK);
        List<Check> noFwd = Ipv6Checks.of(proc(dir, "0", "0"), true);
        assertThat(noFwd.get(1).status()).isEqualTo(Status.FAIL);
        assertThat(noFwd.get(1).fix()).contains("net.ipv6.conf.all.forwarding=1");
        List<Check> off = Ipv6Checks.of(proc(dir, "1", "0"), true);
        assertThat(off).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(Status.FAIL);
            assertThat(c.detail()).contains("disable_ipv6=1");
        });
    }

    @Test
    void aSingleStackIpv4NodeIsNotFailedForIpv6(@TempDir Path dir) throws Exception {
        assertThat(Ipv6Checks.of(proc(dir, "1", "0"), false)).isEmpty();
        assertThat(Ipv6Checks.of(proc(dir, "0", "0"), false))
                .extracting(Check::status)
                .containsExactly(Status.OK);
        assertThat(Ipv6Checks.of(dir.resolve("no-such-proc"), false)).isEmpty();
        assertThat(Ipv6Checks.of(dir.resolve("no-such-proc"), true))
                .singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(Status.FAIL));
    }
}
