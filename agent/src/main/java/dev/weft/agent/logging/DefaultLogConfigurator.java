package dev.weft.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration before the agent or a CLI command sets its own: warnings and errors on stderr in the text
 * format. Found by Logback's start-up through {@code META-INF/services} and built in code instead of a
 * {@code logback.xml}, because reading XML loads Logback's Joran configurator and the JDK's XML parser (about 500
 * classes, some 3 MiB of metaspace and symbols the agent then keeps for good). Ranked after Logback's file search, so
 * a {@code logback-test.xml} or {@code -Dlogback.configurationFile} still wins; the agent reconfigures from its
 * {@code --log-format} and {@code --log-level} with {@link LogSetup}.
 */
@ConfiguratorRank(ConfiguratorRank.NOMINAL - 5)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LogSetup.configure(context, LogFormat.TEXT, Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
