package dev.weft.e2e.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The real tree obeys the module directions of DESIGN.md section 1 and has no Atomix. */
class ArchitectureTest {

    @Test
    void moduleDirectionsHold() {
        ArchitectureChecker.Report report = ArchitectureChecker.check(repoRoot());
        // Not vacuous: the tree has code in it (at least the lab harness and this test).
        assertThat(report.javaFilesScanned()).isGreaterThan(5);
        assertThat(report.violations())
                .as("module dependency violations (DESIGN.md section 1)")
                .isEmpty();
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path c = p; c != null; c = c.getParent()) {
            Path pom = c.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<module>e2e</module>")) {
                    return c;
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no Weft reactor root above " + p);
    }
}
