package dev.weft.cni;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code weft} CNI plugin: forwards the CNI call to the agent and relays its answer.
 *
 * <p>VERSION is answered locally (it must work even when the agent is down); everything else goes to the
 * agent's Unix socket. Bad input is answered here when it can be (missing environment, undecodable or
 * unsupported config) so that the runtime gets the right error even without an agent.
 */
public final class ShimMain {

    /** How long connecting to the agent may take; a live agent accepts within microseconds. */
    static final long CONNECT_TIMEOUT_NANOS = 3_000_000_000L;

    private ShimMain() {}

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        ShimTrace trace = ShimTrace.from(env);
        trace.mark("main");
        int rc = run(env, System.in, System.out, System.err, trace);
        trace.mark("done");
        trace.print(System.err);
        System.out.flush();
        System.err.flush();
        // halt, not exit: nothing to clean up, and exit() spends milliseconds initialising System.Logger.
        Runtime.getRuntime().halt(rc);
    }

    /** Runs one plugin invocation; returns the exit status. */
    public static int run(Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err) {
        return run(env, stdin, out, err, ShimTrace.from(env));
    }

    static int run(Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err, ShimTrace trace) {
        CniInvocation inv;
        byte[] input;
        try {
            input = readLimited(stdin, FramedChannel.MAX_FRAME - 4096);
        } catch (IOException e) {
            return fail(
                    out,
                    new CniError(
                            CniError.IO_FAILURE, "cannot read the network configuration from stdin", e.getMessage()),
                    null);
        }
        inv = CniInvocation.fromEnv(env, input);
        String cniVersion = null;
        try {
            if (CniInvocation.VERSION.equals(inv.command())) {
                String requested = null;
                if (input.length > 0) {
                    requested = NetConfSummary.parse(input, false).cniVersion();
                }
                out.print(CniVersions.versionResult(requested));
                return 0;
            }
            NetConfSummary conf = null;
            try {
                conf = NetConfSummary.parse(input, true);
                cniVersion = conf.cniVersion();
            } catch (CniException e) {
                // Report a bad environment first: it is usually the real cause (plugin run by hand).
                inv.validateEnv();
                throw e;
            }
            inv.validateEnv();
            trace.mark("parsed");
            return forward(inv, conf, out, err, trace);
        } catch (CniException e) {
            return fail(out, e.error(), cniVersion);
        } catch (RuntimeException e) {
            return fail(
                    out, new CniError(CniError.INTERNAL, "weft plugin failed unexpectedly", e.toString()), cniVersion);
        }
    }

    private static int forward(
            CniInvocation inv, NetConfSummary conf, PrintStream out, PrintStream err, ShimTrace trace) {
        Path socket = conf.socket();
        boolean status = CniInvocation.STATUS.equals(inv.command());
        int unavailable = status ? CniError.PLUGIN_NOT_AVAILABLE : CniError.TRY_AGAIN_LATER;
        long start = System.nanoTime();
        ShimWire.Response resp;
        try (FramedChannel ch =
                FramedChannel.connect(UnixDomainSocketAddress.of(socket), start + CONNECT_TIMEOUT_NANOS)) {
            trace.mark("connected");
            long deadline = start + conf.timeoutSeconds() * 1_000_000_000L;
            ch.writeFrame(ShimWire.encodeRequest(inv, ShimProtocol.VERSION), deadline);
            resp = ShimWire.decodeResponse(ch.readFrame(FramedChannel.MAX_FRAME, deadline));
            trace.mark("answered");
        } catch (SocketTimeoutException e) {
            return fail(
                    out,
                    new CniError(
                            unavailable,
                            "the Weft agent did not answer on " + socket + " in time (" + e.getMessage() + ")",
                            "the agent may be overloaded or hung; check the weft agent pod on this node"
                                    + " (kubectl -n weft logs ds/weft) and 'weft status'"),
                    conf.cniVersion());
        } catch (IOException e) {
            return fail(
                    out,
                    new CniError(
                            unavailable,
                            "cannot reach the Weft agent on " + socket + ": " + e.getMessage(),
                            "check that the weft agent is running on this node (kubectl -n weft get pods -l app.kubernetes.io/name=weft -o wide),"
                                    + " that it is ready ('weft status'), and that the socket path in the CNI config ('"
                                    + ShimProtocol.SOCKET_FIELD + "') matches the agent's"),
                    conf.cniVersion());
        }
        if (!ShimProtocol.accepts(resp.protocolVersion())) {
            return fail(
                    out,
                    new CniError(
                            CniError.PROTOCOL_MISMATCH,
                            "the Weft agent on " + socket
                                    + " answered with protocol version " + resp.protocolVersion()
                                    + ", this plugin speaks "
                                    + ShimProtocol.MIN_VERSION + ".." + ShimProtocol.MAX_VERSION,
                            "install the plugin from the same Weft release as the agent"),
                    conf.cniVersion());
        }
        out.print(new String(resp.stdout(), StandardCharsets.UTF_8));
        if (!resp.stderr().isEmpty()) err.println(resp.stderr());
        return resp.exitCode();
    }

    private static int fail(PrintStream out, CniError error, String cniVersion) {
        out.print(error.toJson(cniVersion));
        return error.exitStatus();
    }

    private static byte[] readLimited(InputStream in, int limit) throws IOException {
        byte[] b = in.readNBytes(limit + 1);
        if (b.length > limit) throw new IOException("more than " + limit + " bytes on stdin");
        return b;
    }
}
