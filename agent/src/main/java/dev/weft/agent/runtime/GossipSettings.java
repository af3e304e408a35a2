package dev.weft.agent.runtime;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.SecretFile;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** The gossip settings the agent derives from its configuration: seed addresses and cluster keys. */
final class GossipSettings {
    private GossipSettings() {}

    static List<InetSocketAddress> seeds(AgentConfig config) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String p : config.peers()) {
            InetSocketAddress u = dev.weft.agent.config.OptionChecks.parseHostPort(p, config.gossipPort());
            out.add(new InetSocketAddress(u.getHostString(), u.getPort()));
        }
        return out;
    }

    /** The keys of {@code --secret-file}, primary first, with warnings (file mode); none when encryption is disabled. */
    static SecretFile.Keys secrets(AgentConfig config) throws SecretFile.InvalidSecretException {
        if (config.secretFile() == null) return new SecretFile.Keys(List.of(), List.of());
        return SecretFile.read(config.secretFile());
    }
}
