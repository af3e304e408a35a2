package dev.weft.agent.cli;

import dev.weft.agent.config.SecretFile;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code weft secret}: the cluster secret's helpers. */
@Command(
        name = "secret",
        mixinStandardHelpOptions = true,
        description = "Cluster secret helpers.",
        subcommands = SecretCommand.Generate.class)
public final class SecretCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code weft secret generate}: one fresh key line for {@code --secret-file}. */
    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description = {
                "Print a fresh cluster secret: " + SecretFile.MIN_KEY_BYTES + " random bytes, base64, one line.",
                "Save it (weft secret generate > weft.key; chmod 600 weft.key) and give the same file to every node",
                "with --secret-file; in Kubernetes: kubectl -n weft create secret generic weft-secret --from-file=key=weft.key"
            })
    public static final class Generate implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(SecretFile.generate(new SecureRandom()));
            return 0;
        }
    }
}
