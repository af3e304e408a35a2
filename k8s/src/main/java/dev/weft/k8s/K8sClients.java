package dev.weft.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Builds the {@link KubernetesClient} the agent hands to this module's classes.
 *
 * <p>Threads: informer and watch callbacks run on {@code taskExecutor} (the agent's choice); the HTTP layer
 * (fabric8's Vert.x client, the only one on the classpath) runs its own small event loop inside the client,
 * which the agent owns and closes.
 */
public final class K8sClients {
    private K8sClients() {}

    /** Connect timeout for API calls. */
    public static final int CONNECT_TIMEOUT_MS = 10_000;
    /** Upper bound of one API call (not of a watch, which stays open). */
    public static final int REQUEST_TIMEOUT_MS = 30_000;

    public static final String USER_AGENT_PREFIX = "weft-agent/";

    /**
     * A client configured the usual way: in a pod from the service account (token, CA, {@code
     * KUBERNETES_SERVICE_HOST}); outside a cluster from {@code $KUBECONFIG} or {@code ~/.kube/config}.
     */
    public static KubernetesClient create(String weftVersion, Executor taskExecutor) {
        return create(Config.autoConfigure(null), weftVersion, taskExecutor);
    }

    /** A client from an explicit base configuration, with Weft's timeouts and user agent. */
    public static KubernetesClient create(Config base, String weftVersion, Executor taskExecutor) {
        return new KubernetesClientBuilder()
                .withConfig(configure(base, weftVersion))
                .withTaskExecutor(Objects.requireNonNull(taskExecutor, "taskExecutor"))
                .build();
    }

    static Config configure(Config base, String weftVersion) {
        return new ConfigBuilder(base)
                .withConnectionTimeout(CONNECT_TIMEOUT_MS)
                .withRequestTimeout(REQUEST_TIMEOUT_MS)
                .withUserAgent(USER_AGENT_PREFIX + Objects.requireNonNull(weftVersion, "weftVersion"))
                .build();
    }
}
