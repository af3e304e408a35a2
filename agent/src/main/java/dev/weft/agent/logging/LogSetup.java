package dev.weft.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.LoggerFactory;

/** Configures Logback in code: one console appender on stderr with the chosen line format. */
public final class LogSetup {
    private LogSetup() {}

    public static void configure(LogFormat format, Level level) {
        configure((LoggerContext) LoggerFactory.getILoggerFactory(), format, level);
    }

    /** The same on a given context (Logback's own start-up hands it to {@link DefaultLogConfigurator}). */
    static void configure(LoggerContext ctx, LogFormat format, Level level) {
        ctx.reset();
        LayoutBase<ILoggingEvent> layout = format == LogFormat.JSON ? new JsonLayout() : new LineLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
        enc.setContext(ctx);
        enc.setLayout(layout);
        enc.start();
        ConsoleAppender<ILoggingEvent> app = new ConsoleAppender<>();
        app.setContext(ctx);
        app.setName("console");
        app.setTarget("System.err");
        app.setEncoder(enc);
        app.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(app);
        // Third-party chatter an operator does not need at INFO.
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        ctx.getLogger("io.fabric8").setLevel(Level.WARN);
        ctx.getLogger("okhttp3").setLevel(Level.WARN);
    }
}
