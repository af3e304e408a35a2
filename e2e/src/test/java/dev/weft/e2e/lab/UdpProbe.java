package dev.weft.e2e.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper run inside a lab namespace: {@code UdpProbe PORT...} listens on each UDP port and
 * prints {@code <port> <payload>} per datagram received (one thread, one selector).
 */
public final class UdpProbe {
    private UdpProbe() {}

    public static void main(String[] args) throws IOException {
        try (Selector selector = Selector.open()) {
            for (String a : args) {
                int port = Integer.parseInt(a);
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(port));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, port);
            }
            System.out.println("listening on " + String.join(",", args));
            System.out.flush();
            ByteBuffer buf = ByteBuffer.allocate(2048);
            while (true) {
                selector.select();
                for (SelectionKey k : selector.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) k.channel();
                    buf.clear();
                    while (ch.receive(buf) != null) {
                        buf.flip();
                        String text =
                                StandardCharsets.UTF_8.decode(buf).toString().strip();
                        System.out.println(k.attachment() + " " + text);
                        System.out.flush();
                        buf.clear();
                    }
                }
                selector.selectedKeys().clear();
            }
        }
    }

    /** Command line that runs this probe with the test JVM's java and class path. */
    static List<String> command(int... ports) {
        List<String> args = new ArrayList<>();
        for (int p : ports) {
            args.add(Integer.toString(p));
        }
        return JvmCommand.of(
                List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), UdpProbe.class.getName(), args);
    }

    /** Sends one datagram from inside {@code from} (bash's /dev/udp, no extra tools). */
    static void send(LabNamespace from, String address, int port, String text) {
        from.exec("bash", "-c", "echo " + text + " > /dev/udp/" + address + "/" + port)
                .orThrow();
    }
}
