package dev.weft.gossip.swim.archfixture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.List;

/** Architecture-test fixtures (see e2e's ArchitectureRulesTest): allowed in the SWIM engine (addresses, collections). */
public final class SwimFixtures {
    private SwimFixtures() {}

    static List<InetSocketAddress> pure(List<InetSocketAddress> members) {
        return List.copyOf(members);
    }
}

/** Violates "the SWIM engine never touches Netty". */
final class SwimUsesNetty {
    ByteBuf buffer() {
        return Unpooled.buffer(8);
    }
}

/** Violates "the SWIM engine does no I/O": a channel. */
final class SwimOpensChannel {
    DatagramChannel open() throws IOException {
        return DatagramChannel.open();
    }
}

/** Violates "the SWIM engine does no I/O": a file. */
final class SwimReadsFile {
    boolean exists() {
        return new File("/tmp").exists();
    }
}
