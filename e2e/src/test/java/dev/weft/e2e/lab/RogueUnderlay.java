package dev.weft.e2e.lab;

import com.google.protobuf.ByteString;
import dev.weft.gossip.swim.Endpoints;
import dev.weft.gossip.wire.Keyring;
import dev.weft.gossip.wire.Sealer;
import dev.weft.gossip.wire.proto.MemberStatus;
import dev.weft.gossip.wire.proto.MemberUpdate;
import dev.weft.gossip.wire.proto.Packet;
import dev.weft.gossip.wire.proto.PushPull;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A stranger on the underlay (no secret), run as its own process inside a lab namespace by {@link HostileLabTest}:
 * {@code RogueUnderlay CLUSTER GOSSIP_PORT SLEEVE_PORT KNOWN_PEER_ID TARGET...} sends, with real sockets, to each
 * target: gossip datagrams that are garbage, too short, too large, sealed with the key anyone derives from the
 * cluster name or with a guessed secret (carrying a phantom member and a hijack of a real one); gossip TCP connections
 * that announce a 1 GiB frame, send a bad magic or a keyless header, or just stay open (more than a source may hold);
 * and sleeve frames that are garbage, from an unknown sender, or claim a real peer's id under a key nobody has.
 * Prints one {@code sent ...} line per kind and {@code rogue done} at the end.
 */
public final class RogueUnderlay {
    private RogueUnderlay() {}

    public static void main(String[] args) throws Exception {
        String cluster = args[0];
        int gossipPort = Integer.parseInt(args[1]);
        int sleevePort = Integer.parseInt(args[2]);
        long knownPeer = Long.parseUnsignedLong(args[3], 16);
        List<String> targets = List.of(args).subList(4, args.length);
        Random r = new Random(66);
        Keyring derivable = Keyring.withoutSecret(cluster);
        Keyring guessed = Keyring.withSecrets(cluster, List.of("weft-weft-weft-weft-weft-weft-00".getBytes()));
        try (DatagramSocket udp = new DatagramSocket()) {
            for (String t : targets) {
                InetSocketAddress gossip = new InetSocketAddress(t, gossipPort);
                InetSocketAddress sleeve = new InetSocketAddress(t, sleevePort);
                int n = 300;
                for (int i = 0; i < n; i++) {
                    byte[] junk = random(r, 100);
                    junk[0] = 'X';
                    send(udp, gossip, junk);
                    send(udp, gossip, random(r, 10));
                    send(udp, gossip, random(r, 1450));
                    send(udp, gossip, seal(derivable, forged(t, gossipPort)));
                    send(udp, gossip, seal(guessed, forged(t, gossipPort)));
                    if (i % 50 == 0) Thread.sleep(5); // some pacing: a flood, not a socket buffer overrun
                }
                System.out.println("sent gossip datagrams target=" + t + " kinds=5 each=" + n);
                for (int i = 0; i < n; i++) {
                    send(udp, sleeve, random(r, 8));
                    send(udp, sleeve, sleeveFrame(r, 0x7e57_0000_0000_0001L));
                    send(udp, sleeve, sleeveFrame(r, knownPeer));
                    if (i % 50 == 0) Thread.sleep(5);
                }
                System.out.println("sent sleeve frames target=" + t + " kinds=3 each=" + n);
                streams(gossip, derivable, r);
                System.out.println("sent gossip streams target=" + t);
            }
        }
        System.out.println("rogue done");
    }

    /** A phantom member, and a hijack of whatever answers at the target. */
    private static Packet forged(String target, int port) {
        return Packet.newBuilder()
                .setSenderId("0000000000009999")
                .setPushPull(PushPull.newBuilder()
                        .setJoin(true)
                        .addMembers(MemberUpdate.newBuilder()
                                .setStatus(MemberStatus.ALIVE)
                                .setMemberId("0000000000009999")
                                .setIncarnation(Long.MAX_VALUE)
                                .setAddress(Endpoints.toWire(new InetSocketAddress(target, port)))
                                .setRecord(ByteString.copyFromUtf8("phantom"))))
                .build();
    }

    private static byte[] seal(Keyring kr, Packet p) {
        return Sealer.create(kr, Clock.systemUTC(), new SecureRandom()).seal(p, 1 << 20);
    }

    /** A sealed-sleeve-looking frame (data type, key id, sender, session, counter, body, tag) under no real key. */
    private static byte[] sleeveFrame(Random r, long sender) {
        ByteBuffer b = ByteBuffer.allocate(32 + 60 + 16);
        b.put((byte) 0x82).put((byte) 0).putShort((short) r.nextInt(1 << 16));
        b.putLong(sender)
                .putLong(System.currentTimeMillis())
                .putInt(r.nextInt())
                .putLong(r.nextLong() & 0xffff);
        byte[] rest = random(r, 60 + 16);
        b.put(rest);
        return b.array();
    }

    /** Connections a stranger can open: each must be refused or closed without its body being read. */
    private static void streams(InetSocketAddress to, Keyring derivable, Random r) throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(frame(to, 1 << 30, random(r, 40))); // a 1 GiB frame announced
                byte[] bad = random(r, 40);
                bad[0] = 'X';
                held.add(frame(to, 4096, bad)); // bad magic
                byte[] keyless = seal(derivable, forged(to.getHostString(), to.getPort()));
                held.add(frame(to, keyless.length, keyless)); // the derivable key: no secret flag
            }
            for (int i = 0; i < 12; i++) {
                Socket s = new Socket();
                s.connect(to, 2_000);
                held.add(s); // silent: more than one source may hold
            }
            Thread.sleep(4_000); // longer than the stream deadline: the silent ones are cut off
        } finally {
            for (Socket s : held) s.close();
        }
    }

    private static Socket frame(InetSocketAddress to, int announced, byte[] start) throws IOException {
        Socket s = new Socket();
        s.connect(to, 2_000);
        OutputStream out = s.getOutputStream();
        try {
            out.write(ByteBuffer.allocate(4).putInt(announced).array());
            out.write(start);
            out.flush();
        } catch (IOException e) {
            // closed by the node already: fine
        }
        return s;
    }

    private static void send(DatagramSocket s, InetSocketAddress to, byte[] b) throws IOException {
        s.send(new DatagramPacket(b, b.length, to));
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
