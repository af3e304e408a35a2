package dev.weft.datapath.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Test-only (shared with other modules through the weft-datapath test-jar): creates uniquely named network namespaces ("wftdp" + random hex + "-" + suffix) with
 * the {@code ip} tool and deletes them on {@link #close()}. Also runs {@code ip}/{@code nft}/{@code ping}
 * inside them to check what the product code did.
 */
public final class TestNetns implements AutoCloseable {
    private final String prefix;
    private final List<String> created = new ArrayList<>();

    public TestNetns() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        this.prefix = "wftdp" + HexFormat.of().formatHex(b);
    }

    /** This run's unique name prefix (namespaces are {@code prefix-suffix}). */
    public String prefix() {
        return prefix;
    }

    /** Creates namespace {@code prefix-suffix} with loopback up; returns its name. */
    public String create(String suffix) {
        String name = prefix + "-" + suffix;
        run("ip", "netns", "add", name);
        created.add(name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    public static Path path(String ns) {
        return Path.of("/run/netns", ns);
    }

    /** Runs a command and returns stdout; throws if it exits non-zero. */
    public static String run(String... cmd) {
        Result r = exec(cmd);
        if (r.exit != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit + ": " + r.out);
        }
        return r.out;
    }

    public record Result(int exit, String out) {}

    public static Result exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code ip netns exec ns cmd...} */
    public static String in(String ns, String... cmd) {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return run(full);
    }

    public static Result execIn(String ns, String... cmd) {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return exec(full);
    }

    @Override
    public void close() {
        for (String ns : created.reversed()) {
            exec("ip", "netns", "del", ns);
        }
        created.clear();
    }
}
