package dev.weft.agent;

import dev.weft.agent.config.AgentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles and runs the agent from a validated config (the wiring lands with the agent issue). */
final class AgentLauncher {
    private static final Logger log = LoggerFactory.getLogger(AgentLauncher.class);

    private AgentLauncher() {}

    static int run(AgentConfig config) {
        log.atInfo().addKeyValue("node", config.nodeName()).addKeyValue("version", Version.get())
                .log("weft agent configuration is valid");
        log.error("the agent runtime is not assembled yet in this build");
        return 1;
    }
}
