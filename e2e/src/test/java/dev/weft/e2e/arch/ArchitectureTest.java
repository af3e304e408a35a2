package dev.weft.e2e.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real tree obeys DESIGN.md section 1, checked with ArchUnit on compiled classes: the main code of every module
 * (its {@code target/classes}) and the test code of every other module (its {@code target/test-classes}); build the
 * reactor with {@code -am}. Every rule fails if it applies to no class.
 */
class ArchitectureTest {
    static JavaClasses main;
    static JavaClasses otherModulesTests;

    @BeforeAll
    static void importClasses() {
        Path root = repoRoot();
        List<Path> mainDirs = new ArrayList<>();
        List<Path> testDirs = new ArrayList<>();
        for (String module : ModuleRules.ALLOWED.keySet()) {
            Path classes = root.resolve(module).resolve("target/classes");
            assertThat(classes)
                    .as("classes of %s (build the reactor with -am)", module)
                    .isDirectory();
            mainDirs.add(classes);
            if (module.equals(ModuleRules.E2E)
                    || !Files.isDirectory(root.resolve(module).resolve("src/test/java"))) continue;
            Path testClasses = root.resolve(module).resolve("target/test-classes");
            assertThat(testClasses)
                    .as("test classes of %s (build the reactor with -am)", module)
                    .isDirectory();
            testDirs.add(testClasses);
        }
        main = new ClassFileImporter().importPaths(mainDirs);
        otherModulesTests = new ClassFileImporter().importPaths(testDirs);
    }

    @Test
    void everyModuleIsImported() {
        for (String module : ModuleRules.ALLOWED.keySet()) {
            assertThat(main.that(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage(
                            ArchitectureRules.packageOf(module))))
                    .as("main classes of %s", module)
                    .isNotEmpty();
        }
        assertThat(otherModulesTests.size()).isGreaterThan(50);
    }

    @Test
    void moduleDirectionsHold() {
        CompositeArchRule.of(ArchitectureRules.moduleDirections()).check(main);
    }

    @Test
    void nothingOutsideE2eUsesIt() {
        ArchitectureRules.nothingOutsideE2eUsesIt().check(main);
        ArchitectureRules.nothingOutsideE2eUsesIt().check(otherModulesTests);
    }

    @Test
    void everyWeftClassBelongsToAModule() {
        ArchitectureRules.everyWeftClassBelongsToAModule().check(main);
        ArchitectureRules.everyWeftClassBelongsToAModule().check(otherModulesTests);
    }

    @Test
    void noAtomix() {
        ArchitectureRules.noAtomix().check(main);
        ArchitectureRules.noAtomix().check(otherModulesTests);
    }

    @Test
    void ipamDoesNoIoOutsideItsStore() {
        ArchitectureRules.ipamDoesNoIoOutsideItsStore().check(main);
    }

    @Test
    void swimEngineTouchesNoNettyOrIo() {
        ArchitectureRules.swimEngineTouchesNoNettyOrIo().check(main);
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
