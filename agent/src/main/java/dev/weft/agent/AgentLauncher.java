package dev.weft.agent;

import dev.weft.agent.config.AgentConfig;
import dev.weft.agent.runtime.AgentRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the agent from a validated config until SIGTERM; start-up failures exit 1 with what to fix. */
final class AgentLauncher {
    private static final Logger log = LoggerFactory.getLogger(AgentLauncher.class);

    private AgentLauncher() {}

    static int run(AgentConfig config) {
        AgentRuntime rt = new AgentRuntime(config);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        // SIGTERM: ask the main thread to stop and wait for its graceful close (gossip leave, sockets), which the
        // JVM would otherwise cut short when this hook returns.
        Thread hook = new Thread(
                () -> {
                    rt.requestStop();
                    try {
                        closed.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "weft-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            rt.start();
            int code = rt.awaitStop();
            log.atInfo().log("stopping");
            return code;
        } catch (AgentRuntime.StartupException e) {
            log.atError().log("cannot start: " + e.getMessage());
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            rt.close();
            closed.countDown();
        }
    }
}
