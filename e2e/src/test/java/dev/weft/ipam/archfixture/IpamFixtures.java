package dev.weft.ipam.archfixture;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Architecture-test fixtures (see e2e's ArchitectureRulesTest): never used by product code. */
public final class IpamFixtures {
    private IpamFixtures() {}

    public static int thing() {
        return 2;
    }
}

/** Allowed: ipam may use id. */
final class IpamUsesId {
    int use() {
        return dev.weft.id.archfixture.IdFixtures.thing();
    }
}

/** Violates the module directions: ipam must not use gossip. */
final class IpamUsesGossip {
    int use() {
        return dev.weft.gossip.archfixture.GossipFixtures.thing();
    }
}

/** Violates "ipam does no I/O outside its store". */
final class IpamReadsFile {
    byte[] read() throws IOException {
        return Files.readAllBytes(Path.of("/etc/hostname"));
    }
}

/** Violates "ipam does no I/O outside its store". */
final class IpamOpensSocket {
    DatagramSocket open() throws SocketException {
        return new DatagramSocket();
    }
}
