package dev.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.agent.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCommandTest {
    @Test
    void weftSecretGeneratePrintsOneFresh32ByteBase64Line() {
        String a = run("secret", "generate");
        String b = run("secret", "generate");
        assertThat(a.lines()).hasSize(1);
        assertThat(Base64.getDecoder().decode(a.strip())).hasSize(32);
        assertThat(a).isNotEqualTo(b);
    }

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run(args)).isZero();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
