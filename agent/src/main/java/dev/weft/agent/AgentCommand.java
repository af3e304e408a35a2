package dev.weft.agent;

import ch.qos.logback.classic.Level;
import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.config.AgentOptions;
import dev.weft.agent.config.ConfigException;
import dev.weft.agent.config.ConfigSources;
import dev.weft.agent.logging.LogSetup;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/** {@code weft agent}: runs the node agent until SIGTERM. */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        description = {
            "Run the Weft node agent (gossip, IPAM, datapath, CNI server, status API, metrics).",
            "Every option can also be set as an environment variable WEFT_<OPTION> or in --config-file."
        })
final class AgentCommand implements Callable<Integer> {
    @Mixin
    AgentOptions options;

    @Spec
    CommandSpec spec;

    /** Exit code for an invalid configuration (distinct from a runtime failure). */
    static final int EXIT_CONFIG = 2;

    @Override
    public Integer call() {
        AgentConfig config;
        try {
            List<String> unknown = ((ConfigSources) spec.defaultValueProvider())
                    .unknownFileKeys(
                            spec.options().stream().map(OptionSpec::longestName).collect(Collectors.toSet()));
            if (!unknown.isEmpty()) throw new ConfigException(unknown);
            config = options.toConfig();
        } catch (ConfigException e) {
            System.err.println("weft agent: " + e.getMessage());
            return EXIT_CONFIG;
        }
        LogSetup.configure(config.logFormat(), Level.toLevel(config.logLevel(), Level.INFO));
        return AgentLauncher.run(config);
    }
}
