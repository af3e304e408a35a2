package dev.weft.agent.runtime;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.AgentOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** The gossip settings the agent derives from its configuration: seed addresses and cluster keys. */
final class GossipSettings {
    private GossipSettings() {}

    static List<InetSocketAddress> seeds(AgentConfig config) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String p : config.peers()) {
            InetSocketAddress u = AgentOptions.parseHostPort(p, config.gossipPort());
            out.add(new InetSocketAddress(u.getHostString(), u.getPort()));
        }
        return out;
    }

    /** The keys of {@code --secret-file}, primary first (one per line; # comments). */
    static List<byte[]> secrets(AgentConfig config) throws IOException {
        if (config.secretFile() == null) return List.of();
        List<byte[]> keys = new ArrayList<>();
        for (String line : Files.readAllLines(config.secretFile(), StandardCharsets.UTF_8)) {
            String k = line.strip();
            if (k.isEmpty() || k.startsWith("#")) continue;
            if (k.length() < 16) {
                throw new IllegalArgumentException("a key in " + config.secretFile() + " is shorter than 16 characters; use a long random "
                        + "secret (e.g. openssl rand -hex 32)");
            }
            keys.add(k.getBytes(StandardCharsets.UTF_8));
        }
        if (keys.isEmpty()) throw new IllegalArgumentException("--secret-file " + config.secretFile() + " holds no key");
        return keys;
    }
}
