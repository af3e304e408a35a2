package dev.weft.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class DefaultLogConfiguratorTest {
    @Test
    void logbackFindsItAsAService() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
                .contains(DefaultLogConfigurator.class);
    }

    @Test
    void warningsAndErrorsGoToStderrInTheTextFormat() {
        LoggerContext ctx = new LoggerContext();
        DefaultLogConfigurator c = new DefaultLogConfigurator();
        c.setContext(ctx);

        assertThat(c.configure(ctx)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("console");
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(((LayoutWrappingEncoder<?>) console.getEncoder()).getLayout())
                .isInstanceOf(LineLayout.class);
    }

    @Test
    void noLogbackXmlIsLeftToParse() {
        assertThat(getClass().getClassLoader().getResource("logback.xml")).isNull();
    }
}
