package dev.weft.agent.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.agent.api.LocalApi;
import dev.weft.cli.StatusClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Calls the local agent for CLI commands and turns failures into messages that say what to check. */
final class AgentClient {
    /** Exit codes of the CLI: 0 ok, 1 the agent reported a problem, 3 the agent could not be reached. */
    static final int EXIT_OK = StatusClient.EXIT_OK;

    static final int EXIT_PROBLEM = StatusClient.EXIT_PROBLEM;
    static final int EXIT_UNREACHABLE = StatusClient.EXIT_UNREACHABLE;

    static final class Unreachable extends Exception {
        Unreachable(String m) {
            super(m);
        }
    }

    static final class Refused extends Exception {
        Refused(String m) {
            super(m);
        }
    }

    private AgentClient() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> call(Path socket, Map<String, Object> request) throws Unreachable, Refused {
        if (!Files.exists(socket)) throw new Unreachable(StatusClient.noSocket(socket));
        Map<String, Object> r;
        try {
            r = LocalApi.call(socket, request, StatusClient.TIMEOUT_NANOS);
        } catch (JsonProcessingException e) {
            throw new Unreachable(StatusClient.notJson(socket, e.getOriginalMessage()));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new Unreachable(StatusClient.permissionDenied(socket));
        } catch (IOException e) {
            throw new Unreachable(StatusClient.ioFailed(socket, String.valueOf(e.getMessage())));
        }
        if (!Boolean.TRUE.equals(r.get("ok"))) throw new Refused(String.valueOf(r.get("error")));
        return r;
    }
}
