package dev.weft.e2e.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker really fails on each kind of violation, and passes a clean synthetic tree. */
class ArchitectureCheckerTest {

    @TempDir
    Path root;

    private static final List<String> MODULES =
            List.of("ipam", "gossip", "datapath", "cni-shim", "k8s", "agent", "e2e");

    @BeforeEach
    void cleanTree() throws IOException {
        StringBuilder modules = new StringBuilder();
        for (String m : MODULES) {
            modules.append("<module>").append(m).append("</module>\n");
            write(m + "/pom.xml", pom(m, ""));
            String pkg = ModuleRules.PACKAGE_OF_MODULE.get(m);
            write(m + "/src/main/java/dev/weft/" + pkg + "/Thing.java",
                    "package dev.weft." + pkg + ";\n\npublic final class Thing {}\n");
        }
        write("pom.xml", "<project><!-- no io.atomix here --><modules>\n" + modules + "</modules></project>\n");
        // Allowed edges of DESIGN section 1.
        write("datapath/src/main/java/dev/weft/datapath/Uses.java",
                "package dev.weft.datapath;\nimport dev.weft.ipam.Thing;\nclass Uses { Thing t; }\n");
        write("k8s/src/main/java/dev/weft/k8s/Uses.java",
                "package dev.weft.k8s;\nclass Uses { dev.weft.ipam.Thing t; }\n");
        write("agent/src/main/java/dev/weft/agent/Uses.java",
                "package dev.weft.agent;\nimport dev.weft.gossip.*;\nimport dev.weft.cni.Thing;\n"
                        + "import static dev.weft.datapath.Thing.x;\nclass Uses { dev.weft.k8s.Thing k; }\n");
        write("e2e/src/test/java/dev/weft/e2e/SomeTest.java",
                "package dev.weft.e2e;\nimport dev.weft.agent.Thing;\nclass SomeTest {}\n");
    }

    @Test
    void cleanTreePasses() {
        ArchitectureChecker.Report r = ArchitectureChecker.check(root);
        assertThat(r.violations()).isEmpty();
        assertThat(r.javaFilesScanned()).isEqualTo(MODULES.size() + 4);
    }

    @Test
    void ipamImportingGossipFails() throws IOException {
        write("ipam/src/main/java/dev/weft/ipam/Bad.java",
                "package dev.weft.ipam;\n\nimport dev.weft.gossip.Thing;\nclass Bad {}\n");
        assertSingleViolation("ipam/src/main/java/dev/weft/ipam/Bad.java", 3, "dev.weft.gossip");
    }

    @Test
    void fullyQualifiedUseFails() throws IOException {
        write("gossip/src/main/java/dev/weft/gossip/Bad.java",
                "package dev.weft.gossip;\nclass Bad {\n  Object o = new dev.weft.ipam.Thing();\n}\n");
        assertSingleViolation("gossip/src/main/java/dev/weft/gossip/Bad.java", 3, "dev.weft.ipam");
    }

    @Test
    void datapathUsingAgentFails() throws IOException {
        write("datapath/src/main/java/dev/weft/datapath/Bad.java",
                "package dev.weft.datapath;\nimport static dev.weft.agent.Thing.X;\nclass Bad {}\n");
        assertSingleViolation("datapath/src/main/java/dev/weft/datapath/Bad.java", 2, "dev.weft.agent");
    }

    @Test
    void cniShimUsingIpamFails() throws IOException {
        write("cni-shim/src/main/java/dev/weft/cni/Bad.java",
                "package dev.weft.cni;\nimport dev.weft.ipam.Thing;\nclass Bad {}\n");
        assertSingleViolation("cni-shim/src/main/java/dev/weft/cni/Bad.java", 2, "dev.weft.ipam");
    }

    @Test
    void k8sUsingGossipFails() throws IOException {
        write("k8s/src/main/java/dev/weft/k8s/Bad.java",
                "package dev.weft.k8s;\nimport dev.weft.gossip.Thing;\nclass Bad {}\n");
        assertSingleViolation("k8s/src/main/java/dev/weft/k8s/Bad.java", 2, "dev.weft.gossip");
    }

    @Test
    void agentOrItsTestsUsingE2eFails() throws IOException {
        write("agent/src/test/java/dev/weft/agent/BadTest.java",
                "package dev.weft.agent;\nimport dev.weft.e2e.lab.Lab;\nclass BadTest {}\n");
        assertSingleViolation("agent/src/test/java/dev/weft/agent/BadTest.java", 2, "dev.weft.e2e");
    }

    @Test
    void commentsAndStringsAreNotReferences() throws IOException {
        write("ipam/src/main/java/dev/weft/ipam/Doc.java",
                "package dev.weft.ipam;\n/** Unlike dev.weft.gossip.Thing this is pure. */\nclass Doc {\n"
                        + "  // see dev.weft.agent.Main\n  String s = \"dev.weft.k8s.Thing\";\n"
                        + "  String t = \"\"\"\n    dev.weft.datapath.X\n    \"\"\";\n  char c = '\"';\n}\n");
        assertThat(ArchitectureChecker.check(root).violations()).isEmpty();
    }

    @Test
    void unknownWeftPackageFails() throws IOException {
        write("agent/src/main/java/dev/weft/agent/Bad.java",
                "package dev.weft.agent;\nimport dev.weft.mystery.X;\nclass Bad {}\n");
        assertSingleViolation("agent/src/main/java/dev/weft/agent/Bad.java", 2, "dev.weft.mystery");
    }

    @Test
    void forbiddenPomDependencyFails() throws IOException {
        write("ipam/pom.xml", pom("ipam",
                "<dependency><groupId>dev.weft</groupId><artifactId>weft-gossip</artifactId></dependency>"));
        assertSingleViolation("ipam/pom.xml", 0, "must not depend on 'gossip'");
    }

    @Test
    void testScopedPomDependencyIsAllowed() throws IOException {
        write("gossip/pom.xml", pom("gossip", "<dependency><groupId>dev.weft</groupId>"
                + "<artifactId>weft-ipam</artifactId><scope>test</scope></dependency>"));
        assertThat(ArchitectureChecker.check(root).violations()).isEmpty();
    }

    @Test
    void atomixInAnyPomFails() throws IOException {
        write("gossip/pom.xml", pom("gossip",
                "<dependency><groupId>io.atomix</groupId><artifactId>atomix</artifactId></dependency>"));
        assertSingleViolation("gossip/pom.xml", 0, "Atomix");
    }

    @Test
    void atomixInSourcesFails() throws IOException {
        write("agent/src/main/java/dev/weft/agent/Bad.java",
                "package dev.weft.agent;\nimport io.atomix.core.Atomix;\nclass Bad {}\n");
        assertSingleViolation("agent/src/main/java/dev/weft/agent/Bad.java", 2, "Atomix");
    }

    @Test
    void moduleWithoutRuleFails() throws IOException {
        write("pom.xml", Files.readString(root.resolve("pom.xml"))
                .replace("</modules>", "<module>extra</module></modules>"));
        assertSingleViolation("pom.xml", 0, "'extra' has no dependency rule");
    }

    private void assertSingleViolation(String file, int line, String messagePart) {
        List<ArchitectureChecker.Violation> v = ArchitectureChecker.check(root).violations();
        assertThat(v).hasSize(1);
        assertThat(v.getFirst().file()).isEqualTo(Path.of(file));
        if (line > 0) {
            assertThat(v.getFirst().line()).isEqualTo(line);
        }
        assertThat(v.getFirst().message()).contains(messagePart);
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
