package dev.weft.agent;

import dev.weft.agent.cli.DoctorCommand;
import dev.weft.agent.cli.ReportCommand;
import dev.weft.agent.cli.RmpeerCommand;
import dev.weft.agent.cli.SecretCommand;
import dev.weft.agent.cli.StatusCommand;
import dev.weft.agent.config.ConfigException;
import dev.weft.agent.config.ConfigSources;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code weft} command (the launcher {@code bin/weft} runs this). */
@Command(
        name = "weft",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Weft overlay network: agent and operator CLI.",
        subcommands = {
            VersionCommand.class,
            AgentCommand.class,
            StatusCommand.class,
            ReportCommand.class,
            RmpeerCommand.class,
            DoctorCommand.class,
            SecretCommand.class,
            dev.weft.agent.cni.CniConfigCommand.class
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        // weft status, the command operators run most, skips picocli (see StatusCommand.fast)
        java.util.OptionalInt fast = dev.weft.agent.cli.StatusCommand.fast(args, System.getenv());
        System.exit(fast.isPresent() ? fast.getAsInt() : run(args));
    }

    public static int run(String... args) {
        try {
            CommandLine cl = new CommandLine(new Main());
            cl.setDefaultValueProvider(
                    new ConfigSources(System.getenv(), ConfigSources.configFileFrom(args, System.getenv())));
            return cl.execute(args);
        } catch (ConfigException e) {
            System.err.println("weft: " + e.getMessage());
            return 2;
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"weft " + Version.get()};
        }
    }
}
