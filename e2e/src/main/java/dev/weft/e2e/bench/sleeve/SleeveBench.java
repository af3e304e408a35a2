package dev.weft.e2e.bench.sleeve;

import dev.weft.datapath.netlink.MacAddress;
import dev.weft.datapath.netlink.NetlinkNamespace;
import dev.weft.datapath.netlink.Route;
import dev.weft.datapath.sleeve.SleeveBackend;
import dev.weft.datapath.sleeve.SleeveConfig;
import dev.weft.datapath.sleeve.SleeveCounter;
import dev.weft.datapath.sleeve.SleeveCrypto;
import dev.weft.datapath.sleeve.SleeveKeys;
import dev.weft.datapath.sleeve.SleevePeer;
import dev.weft.datapath.sleeve.SleeveRoutes;
import dev.weft.ipam.addr.Cidr;
import dev.weft.ipam.addr.IpAddress;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sleeve throughput benchmark (not a test). Two node namespaces on a veth underlay
 * (192.0.2.1/2), "pod" addresses 198.18.{1,2}.10 on lo; iperf3 TCP from node 1's pod to node 2's
 * pod over: kernel VXLAN on both nodes (the baseline, measured in the same run), the plain sleeve
 * (1 and 2 TUN queues), the encrypted sleeve, and a sleeve node talking to a kernel VXLAN node.
 * Prints Gbit/s per scenario and stream count, the ratio to kernel VXLAN and to the anchors measured
 * on this machine kind (naive C TUN/UDP forwarder 1.3 Gbit/s, wireguard-go 0.63 Gbit/s).
 *
 * <pre>
 *   mvn -B -q -pl e2e -am package -DskipTests
 *   sudo java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *        -cp e2e/target/weft-lab.jar dev.weft.e2e.bench.sleeve.SleeveBench [seconds=5] [scenario...]
 * </pre>
 *
 * Scenarios: kernel-vxlan, naive-c-forwarder, sleeve-plain-1q, sleeve-plain-2q, sleeve-encrypted-1q,
 * sleeve-encrypted-2q, sleeve-to-kernel, wireguard-go (default: all). wireguard-go runs Debian's
 * {@code wireguard-go} + {@code wg} (apt-get install wireguard-go wireguard-tools; the scenario is skipped with a
 * message when they are missing) as the userspace encrypted baseline measured in the same run.
 *
 * Needs root, iperf3 and ip. Creates namespaces {@code wftsb<hex>-a/-b} and deletes them at the end.
 */
public final class SleeveBench {
    static final int VNI = 42;
    static final double NAIVE_C_GBPS = 1.3;
    static final double WIREGUARD_GO_GBPS = 0.63;
    static final ThreadFactory PLATFORM = Thread.ofPlatform().daemon().factory();

    private SleeveBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<String> scenarios = new ArrayList<>();
        for (int i = 1; i < args.length; i++) scenarios.add(args[i]);
        if (scenarios.isEmpty()) {
            scenarios = List.of(
                    "kernel-vxlan",
                    "naive-c-forwarder",
                    "sleeve-plain-1q",
                    "sleeve-plain-2q",
                    "sleeve-encrypted-1q",
                    "sleeve-encrypted-2q",
                    "sleeve-to-kernel",
                    "wireguard-go");
        }
        if (scenarios.contains("wireguard-go") && !hasWireguardGo()) {
            System.out.println(
                    "wireguard-go scenario skipped: install it with apt-get install wireguard-go wireguard-tools");
            scenarios =
                    scenarios.stream().filter(x -> !x.equals("wireguard-go")).toList();
        }
        Map<String, double[]> results = new LinkedHashMap<>();
        for (String s : scenarios) {
            double[] r = new double[2];
            for (int k = 0; k < 2; k++) {
                int streams = k == 0 ? 1 : 4;
                try (Lab lab = new Lab()) {
                    lab.setUp(s);
                    r[k] = lab.iperf(seconds, streams) / 1e9;
                    System.out.printf("%-22s streams=%d  %6.2f Gbit/s  %s%n", s, streams, r[k], lab.counters());
                }
            }
            results.put(s, r);
        }
        double[] base = results.get("kernel-vxlan");
        double[] naive = results.get("naive-c-forwarder");
        double[] wg = results.get("wireguard-go");
        System.out.println();
        System.out.println(
                "scenario                 1 stream  4 streams  /kernel(1,4)   /naive-C same run(1,4)  /wireguard-go same run(1,4)  /naive-C anchor(1)  /wireguard-go anchor(1)");
        for (Map.Entry<String, double[]> e : results.entrySet()) {
            double[] r = e.getValue();
            System.out.printf(
                    "%-22s  %7.2f   %7.2f    %-14s %-23s %-28s %8.2f %18.2f%n",
                    e.getKey(),
                    r[0],
                    r[1],
                    base == null ? "n/a" : String.format("%.2f %.2f", r[0] / base[0], r[1] / base[1]),
                    naive == null ? "n/a" : String.format("%.2f %.2f", r[0] / naive[0], r[1] / naive[1]),
                    wg == null ? "n/a" : String.format("%.2f %.2f", r[0] / wg[0], r[1] / wg[1]),
                    r[0] / NAIVE_C_GBPS,
                    r[0] / WIREGUARD_GO_GBPS);
        }
        System.out.println(
                "(anchors measured on this machine kind: naive C forwarder 1.3 Gbit/s, wireguard-go 0.63 Gbit/s,"
                        + " kernel VXLAN 13.1 Gbit/s)");
    }

    static boolean hasWireguardGo() {
        try {
            run("sh", "-c", "command -v wireguard-go && command -v wg");
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Runs {@code cmd} with {@code stdin} and returns its trimmed stdout. */
    static String runWithInput(String stdin, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " timed out");
            }
            if (p.exitValue() != 0)
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static final class Lab implements AutoCloseable {
        final String prefix;
        final String[] ns = new String[3];
        final NetlinkNamespace[] nl = new NetlinkNamespace[3];
        final List<SleeveBackend> sleeves = new ArrayList<>();
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());

        /** Removes the namespaces when the JVM is stopped by a signal (Ctrl-C, SIGTERM, a closed pipe). */
        private final Thread cleanupOnExit = new Thread(this::removeNamespaces, "sleeve-bench-cleanup");

        Lab() {
            byte[] b = new byte[3];
            new SecureRandom().nextBytes(b);
            prefix = "wftsb" + HexFormat.of().formatHex(b);
            Runtime.getRuntime().addShutdownHook(cleanupOnExit);
            try {
                for (int i = 1; i <= 2; i++) {
                    ns[i] = prefix + "-" + (char) ('a' + i - 1);
                    run("ip", "netns", "add", ns[i]);
                    run("ip", "-n", ns[i], "link", "set", "lo", "up");
                }
                run("ip", "-n", ns[1], "link", "add", "ul", "type", "veth", "peer", "name", "ul", "netns", ns[2]);
                for (int i = 1; i <= 2; i++) {
                    run("ip", "-n", ns[i], "addr", "add", "192.0.2." + i + "/24", "dev", "ul");
                    run("ip", "-n", ns[i], "link", "set", "ul", "up");
                    run("ip", "-n", ns[i], "addr", "add", pod(i) + "/32", "dev", "lo");
                    nl[i] = NetlinkNamespace.open(Path.of("/run/netns", ns[i]), PLATFORM);
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        static String pod(int i) {
            return "198.18." + i + ".10";
        }

        static IpAddress vtep(int i) {
            return IpAddress.parse("198.18." + i + ".1");
        }

        static MacAddress mac(int i) {
            return MacAddress.parse("02:57:00:00:00:0" + i);
        }

        void setUp(String scenario) {
            switch (scenario) {
                case "kernel-vxlan" -> {
                    kernel(1, 2);
                    kernel(2, 1);
                }
                case "naive-c-forwarder" -> {
                    naive(1, 2);
                    naive(2, 1);
                }
                case "sleeve-plain-1q" -> sleeves(false, 1);
                case "sleeve-plain-2q" -> sleeves(false, 2);
                case "sleeve-encrypted-1q" -> sleeves(true, 1);
                case "sleeve-encrypted-2q" -> sleeves(true, 2);
                case "wireguard-go" -> {
                    String[] priv = {
                        null, run("wg", "genkey").trim(), run("wg", "genkey").trim()
                    };
                    String[] pub = {null, runWithInput(priv[1], "wg", "pubkey"), runWithInput(priv[2], "wg", "pubkey")};
                    wireguard(1, 2, priv[1], pub[2]);
                    wireguard(2, 1, priv[2], pub[1]);
                }
                case "sleeve-to-kernel" -> {
                    SleeveBackend a = sleeve(1, null, 1);
                    connect(a, 1, peer(2, null));
                    kernel(2, 1);
                }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }

        final List<Process> processes = new ArrayList<>();

        /** The baseline: Flannel's old udp backend design in C, one read/sendto or recv/write per packet. */
        void naive(int i, int j) {
            Path bin = NaiveForwarder.binary();
            try {
                Process p = new ProcessBuilder(
                                "ip", "netns", "exec", ns[i], bin.toString(), "naive0", "8285", "192.0.2." + j, "8285")
                        .redirectErrorStream(true)
                        .start();
                processes.add(p);
                String ready = new String(p.getInputStream().readNBytes(6), StandardCharsets.US_ASCII);
                if (!ready.startsWith("ready"))
                    throw new IllegalStateException("naive forwarder did not start: " + ready);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            run("ip", "-n", ns[i], "link", "set", "naive0", "mtu", "1472", "up");
            run("ip", "-n", ns[i], "addr", "add", vtep(i) + "/32", "dev", "naive0");
            run("ip", "-n", ns[i], "route", "add", "198.18." + j + ".0/24", "dev", "naive0");
        }

        /** Debian's wireguard-go in node i, peered with node j (device wgbench{i}, UDP 51820). */
        void wireguard(int i, int j, String privateKey, String peerPublicKey) {
            String dev = "wgbench" + i;
            try {
                Process p = new ProcessBuilder("ip", "netns", "exec", ns[i], "wireguard-go", "-f", dev)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                processes.add(p);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (nl[i].netlink().link(dev).isEmpty()) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("wireguard-go did not create " + dev);
                LockSupport.parkNanos(50_000_000L);
            }
            Path key = Path.of("/tmp", prefix + "-wg" + i + ".key");
            try {
                java.nio.file.Files.writeString(key, privateKey + "\n");
                run(
                        "ip",
                        "netns",
                        "exec",
                        ns[i],
                        "wg",
                        "set",
                        dev,
                        "listen-port",
                        "51820",
                        "private-key",
                        key.toString(),
                        "peer",
                        peerPublicKey,
                        "allowed-ips",
                        "198.18." + j + ".0/24",
                        "endpoint",
                        "192.0.2." + j + ":51820");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                try {
                    java.nio.file.Files.deleteIfExists(key);
                } catch (IOException ignored) {
                    // temp key file
                }
            }
            run("ip", "-n", ns[i], "link", "set", dev, "mtu", "1420", "up");
            run("ip", "-n", ns[i], "addr", "add", vtep(i) + "/32", "dev", dev);
            run("ip", "-n", ns[i], "route", "add", "198.18." + j + ".0/24", "dev", dev);
        }

        void sleeves(boolean encrypted, int queues) {
            SecureRandom r = new SecureRandom();
            byte[] pa = SleeveKeys.generatePrivateKey(r);
            byte[] pb = SleeveKeys.generatePrivateKey(r);
            byte[] secret = "bench secret".getBytes(StandardCharsets.UTF_8);
            SleeveBackend a = sleeve(1, encrypted ? SleeveCrypto.of(pa, secret) : null, queues);
            SleeveBackend b = sleeve(2, encrypted ? SleeveCrypto.of(pb, secret) : null, queues);
            connect(a, 1, peer(2, encrypted ? SleeveKeys.publicKey(pb) : null));
            connect(b, 2, peer(1, encrypted ? SleeveKeys.publicKey(pa) : null));
        }

        SleevePeer peer(int i, byte[] key) {
            return new SleevePeer(
                    0x1000L + i,
                    IpAddress.parse("192.0.2." + i),
                    vtep(i),
                    mac(i),
                    List.of(Cidr.parse("198.18." + i + ".0/24")),
                    key);
        }

        SleeveBackend sleeve(int i, SleeveCrypto crypto, int queues) {
            SleeveConfig cfg = SleeveConfig.plain(0x1000L + i, vtep(i), mac(i), VNI)
                    .withCrypto(crypto)
                    .withQueues(queues);
            SleeveBackend b = nl[i].call(
                    () -> SleeveBackend.start(cfg, group, PLATFORM, InstantSource.system(), new SecureRandom()));
            sleeves.add(b);
            return b;
        }

        void connect(SleeveBackend b, int node, SleevePeer p) {
            b.upsertPeer(p);
            for (Route r : SleeveRoutes.forPeer(p, b.ifindex()))
                nl[node].netlink().addRoute(r, true);
        }

        void kernel(int i, int j) {
            String n = ns[i];
            run(
                    "ip",
                    "-n",
                    n,
                    "link",
                    "add",
                    "weft.vxlan",
                    "address",
                    mac(i).toString(),
                    "type",
                    "vxlan",
                    "id",
                    String.valueOf(VNI),
                    "dstport",
                    "4789",
                    "local",
                    "192.0.2." + i,
                    "dev",
                    "ul",
                    "nolearning");
            run("ip", "-n", n, "link", "set", "weft.vxlan", "mtu", "1450", "up");
            run("ip", "-n", n, "addr", "add", vtep(i) + "/32", "dev", "weft.vxlan");
            run(
                    "ip",
                    "-n",
                    n,
                    "neigh",
                    "add",
                    vtep(j).toString(),
                    "lladdr",
                    mac(j).toString(),
                    "dev",
                    "weft.vxlan",
                    "nud",
                    "permanent");
            run("bridge", "-n", n, "fdb", "append", mac(j).toString(), "dev", "weft.vxlan", "dst", "192.0.2." + j);
            run(
                    "ip",
                    "-n",
                    n,
                    "route",
                    "add",
                    "198.18." + j + ".0/24",
                    "via",
                    vtep(j).toString(),
                    "dev",
                    "weft.vxlan",
                    "onlink");
        }

        double iperf(int seconds, int streams) throws IOException {
            Process server = new ProcessBuilder("ip", "netns", "exec", ns[2], "iperf3", "-s", "-1", "-B", pod(2))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (true) {
                    try {
                        String out = run(
                                "ip",
                                "netns",
                                "exec",
                                ns[1],
                                "iperf3",
                                "-J",
                                "-c",
                                pod(2),
                                "-B",
                                pod(1),
                                "-t",
                                String.valueOf(seconds),
                                "-P",
                                String.valueOf(streams),
                                "--connect-timeout",
                                "2000");
                        return received(out);
                    } catch (IllegalStateException e) {
                        if (System.nanoTime() > deadline) throw e;
                        LockSupport.parkNanos(200_000_000L); // retry backoff while the server starts
                    }
                }
            } finally {
                server.destroyForcibly();
            }
        }

        static double received(String json) {
            Matcher m = Pattern.compile(
                            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)",
                            Pattern.DOTALL)
                    .matcher(json);
            if (!m.find()) throw new IllegalStateException("no sum_received in iperf3 output: " + json);
            return Double.parseDouble(m.group(1));
        }

        String counters() {
            StringBuilder s = new StringBuilder();
            for (SleeveBackend b : sleeves) {
                s.append("[")
                        .append(b.config().ownPeerId() & 0xf)
                        .append(": tx=")
                        .append(b.counters().get(SleeveCounter.TX_PACKETS))
                        .append(" gso=")
                        .append(b.counters().get(SleeveCounter.TX_GSO_FRAMES))
                        .append(" rx=")
                        .append(b.counters().get(SleeveCounter.RX_PACKETS))
                        .append(" drop_bp=")
                        .append(b.counters().get(SleeveCounter.TX_BACKPRESSURE))
                        .append(" auth_fail=")
                        .append(b.counters().get(SleeveCounter.RX_AUTH_FAILED))
                        .append("]");
            }
            return s.toString();
        }

        @Override
        public void close() {
            for (SleeveBackend b : sleeves) {
                try {
                    b.close();
                } catch (RuntimeException ignored) {
                    // best effort
                }
            }
            for (NetlinkNamespace n : nl) if (n != null) n.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            removeNamespaces();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
            } catch (IllegalStateException alreadyExiting) {
                // the hook runs (or ran) anyway; removal is idempotent
            }
        }

        /** Stops the processes started in the namespaces and deletes the namespaces (idempotent). */
        private synchronized void removeNamespaces() {
            for (Process p : processes) p.destroyForcibly();
            for (int i = 0; i < ns.length; i++) {
                if (ns[i] == null) continue;
                try {
                    run("ip", "netns", "del", ns[i]);
                } catch (RuntimeException ignored) {
                    // already gone
                }
                ns[i] = null;
            }
        }
    }
}
