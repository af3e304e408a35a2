package dev.weft.k8s.lock;

/**
 * The ring recorded in the API server was created with other parameters than this agent's configuration
 * (cluster range or block size). Joining would split the cluster into two incompatible rings, so the agent
 * must stop and an operator must make the settings agree.
 */
public final class BootstrapConflictException extends RuntimeException {
    public BootstrapConflictException(String message) {
        super(message);
    }
}
