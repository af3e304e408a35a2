package dev.weft.agent.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Test-only: uniquely named namespaces "wftcni" + hex + "-" + suffix, removed on close. */
final class TestNamespaces implements AutoCloseable {
    final String prefix;
    private final List<String> created = new ArrayList<>();

    TestNamespaces() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        prefix = "wftcni" + HexFormat.of().formatHex(b);
    }

    String create(String suffix) {
        String name = prefix + "-" + suffix;
        run("ip", "netns", "add", name);
        created.add(name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    static Path path(String ns) {
        return Path.of("/run/netns", ns);
    }

    record Result(int exit, String out) {}

    static Result exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
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

    static String run(String... cmd) {
        Result r = exec(cmd);
        if (r.exit != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit + ": " + r.out);
        return r.out;
    }

    static Result in(String ns, String... cmd) {
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
        for (String ns : created.reversed()) exec("ip", "netns", "del", ns);
        created.clear();
    }
}
