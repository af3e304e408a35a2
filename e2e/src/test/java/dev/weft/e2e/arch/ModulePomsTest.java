package dev.weft.e2e.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pom rules hold for the real tree, and really fail on each kind of violation in a synthetic one. */
class ModulePomsTest {

    @TempDir
    Path root;

    @Test
    void realTreeHolds() {
        assertThat(ModulePoms.check(ArchitectureTest.repoRoot())).isEmpty();
    }

    @BeforeEach
    void cleanTree() throws IOException {
        StringBuilder modules = new StringBuilder();
        for (String m : ModuleRules.ALLOWED.keySet()) {
            modules.append("<module>").append(m).append("</module>\n");
            write(m + "/pom.xml", pom(m, ""));
        }
        write(
                "pom.xml",
                "<project><!-- io.atomix in a comment is fine --><modules>\n" + modules + "</modules></project>\n");
        write(
                "agent/pom.xml",
                pom("agent", dep("weft-gossip", null) + dep("weft-datapath", null) + dep("weft-k8s", null)));
    }

    @Test
    void cleanTreePasses() {
        assertThat(ModulePoms.check(root)).isEmpty();
    }

    @Test
    void forbiddenDependencyFails() throws IOException {
        write("ipam/pom.xml", pom("ipam", dep("weft-gossip", null)));
        assertThat(ModulePoms.check(root))
                .singleElement()
                .asString()
                .startsWith("ipam/pom.xml")
                .contains("must not depend on 'gossip'");
    }

    @Test
    void testScopedDependencyIsAllowed() throws IOException {
        write("gossip/pom.xml", pom("gossip", dep("weft-ipam", "test")));
        assertThat(ModulePoms.check(root)).isEmpty();
    }

    @Test
    void dependingOnE2eFails() throws IOException {
        write("agent/pom.xml", pom("agent", dep("weft-e2e", null)));
        assertThat(ModulePoms.check(root)).singleElement().asString().contains("test-only e2e module");
    }

    @Test
    void atomixFails() throws IOException {
        write(
                "gossip/pom.xml",
                pom("gossip", "<dependency><groupId>io.atomix</groupId><artifactId>atomix</artifactId></dependency>"));
        assertThat(ModulePoms.check(root)).singleElement().asString().contains("Atomix");
    }

    @Test
    void moduleWithoutRuleFails() throws IOException {
        write(
                "pom.xml",
                Files.readString(root.resolve("pom.xml")).replace("</modules>", "<module>extra</module></modules>"));
        assertThat(ModulePoms.check(root)).singleElement().asString().contains("'extra' has no dependency rule");
    }

    @Test
    void ruleWithoutModuleFails() throws IOException {
        write("pom.xml", Files.readString(root.resolve("pom.xml")).replace("<module>id</module>", ""));
        assertThat(ModulePoms.check(root))
                .singleElement()
                .asString()
                .contains("'id' of DESIGN.md section 1 is not in the reactor");
    }

    private static String dep(String artifact, String scope) {
        return "<dependency><groupId>dev.weft</groupId><artifactId>" + artifact + "</artifactId>"
                + (scope == null ? "" : "<scope>" + scope + "</scope>") + "</dependency>";
    }

    private static String pom(String module, String deps) {
        return "<project><artifactId>" + ModuleRules.artifactOf(module) + "</artifactId>\n<dependencies>" + deps
                + "</dependencies></project>\n";
    }

    private void write(String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
