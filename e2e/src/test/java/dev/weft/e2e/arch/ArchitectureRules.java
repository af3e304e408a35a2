package dev.weft.e2e.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The architecture of DESIGN.md section 1 as ArchUnit rules over compiled classes. Each rule fails when the classes
 * it applies to are empty (ArchUnit's default), so a rule can never pass because nothing was imported.
 */
final class ArchitectureRules {
    private ArchitectureRules() {}

    static String packageOf(String module) {
        return "dev.weft." + ModuleRules.PACKAGE_OF_MODULE.get(module) + "..";
    }

    /** Main code of {@code module} uses only the Weft modules it may (DESIGN.md section 1). */
    static ArchRule mainCodeOf(String module) {
        Set<String> forbidden = new TreeSet<>();
        for (String other : ModuleRules.PACKAGE_OF_MODULE.keySet()) {
            if (!ModuleRules.mayUse(module, other)) forbidden.add(packageOf(other));
        }
        return noClasses()
                .that()
                .resideInAPackage(packageOf(module))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden.toArray(String[]::new))
                .as("main code of '" + module + "' uses only " + ModuleRules.ALLOWED.get(module)
                        + " of Weft's modules");
    }

    static List<ArchRule> moduleDirections() {
        return ModuleRules.ALLOWED.keySet().stream()
                .sorted()
                .map(ArchitectureRules::mainCodeOf)
                .toList();
    }

    /** Nothing outside e2e (main or test code) uses the test-only e2e module. */
    static ArchRule nothingOutsideE2eUsesIt() {
        return noClasses()
                .that()
                .resideOutsideOfPackage(packageOf(ModuleRules.E2E))
                .should()
                .dependOnClassesThat()
                .resideInAPackage(packageOf(ModuleRules.E2E))
                .as("nothing outside e2e uses dev.weft.e2e (test-only module)");
    }

    /** Every dev.weft class is in the package of a known module (a new module needs a rule in ModuleRules). */
    static ArchRule everyWeftClassBelongsToAModule() {
        String[] known = ModuleRules.PACKAGE_OF_MODULE.keySet().stream()
                .map(ArchitectureRules::packageOf)
                .toArray(String[]::new);
        return classes()
                .that()
                .resideInAPackage("dev.weft..")
                .should()
                .resideInAnyPackage(known)
                .as("every dev.weft class belongs to a module of ModuleRules");
    }

    /** Atomix was rejected (DESIGN.md section 11). */
    static ArchRule noAtomix() {
        return noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.atomix..")
                .as("nothing uses Atomix (rejected, DESIGN.md section 11)");
    }

    /** Files, sockets and channels: what "does no I/O" excludes. */
    static final DescribedPredicate<JavaClass> IO =
            new DescribedPredicate<>("I/O (java.nio.file, java.nio.channels, java.net sockets, java.io files)") {
                private static final Set<String> CLASSES = Set.of(
                        "java.net.Socket",
                        "java.net.ServerSocket",
                        "java.net.DatagramSocket",
                        "java.net.MulticastSocket",
                        "java.io.File",
                        "java.io.FileInputStream",
                        "java.io.FileOutputStream",
                        "java.io.RandomAccessFile",
                        "java.io.FileReader",
                        "java.io.FileWriter",
                        "java.io.FileDescriptor");

                @Override
                public boolean test(JavaClass c) {
                    String p = c.getPackageName();
                    return p.equals("java.nio.file")
                            || p.startsWith("java.nio.file.")
                            || p.equals("java.nio.channels")
                            || p.startsWith("java.nio.channels.")
                            || CLASSES.contains(c.getName());
                }
            };

    /** ipam is pure logic: no I/O except through its persistence (package dev.weft.ipam.store). */
    static ArchRule ipamDoesNoIoOutsideItsStore() {
        return noClasses()
                .that()
                .resideInAPackage("dev.weft.ipam..")
                .and()
                .resideOutsideOfPackage("dev.weft.ipam.store..")
                .should()
                .dependOnClassesThat(IO)
                .as("ipam does no I/O except in its store (dev.weft.ipam.store)");
    }

    /** The SWIM engine is a pure protocol object fed events: no Netty, no I/O. */
    static ArchRule swimEngineTouchesNoNettyOrIo() {
        return noClasses()
                .that()
                .resideInAPackage("dev.weft.gossip.swim..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty..")
                .orShould()
                .dependOnClassesThat(IO)
                .as("the SWIM engine (dev.weft.gossip.swim) never touches Netty or I/O");
    }
}
